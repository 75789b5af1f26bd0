// The axios code ory-otc replaces: axios.get / axios.post on a keep-alive agent, with a
// try/catch around the 400 that means "code sent".
'use strict'
const http = require('node:http')
const axios = require('axios')
const { JSON_HEADERS, submitUrl, codeSentFlowId, sessionToken } = require('./kratos')

exports.label = 'axios'

exports.create = (baseUrl) => {
  const httpAgent = new http.Agent({ keepAlive: true })
  const config = { httpAgent, headers: JSON_HEADERS }
  return {
    async sendCode(email) {
      const { data: flow } = await axios.get(`${baseUrl}/self-service/login/api`, config)
      try {
        const res = await axios.post(flow.ui.action, { method: 'code', identifier: email }, config)
        return codeSentFlowId(res.status, res.data)
      } catch (err) {
        if (!axios.isAxiosError(err) || err.response?.status !== 400) throw err
        return codeSentFlowId(400, err.response.data)
      }
    },
    async verifyCode(flowId, code, email) {
      const body = { method: 'code', code, identifier: email }
      const res = await axios.post(submitUrl(baseUrl, flowId), body, config)
      return sessionToken(res.status, res.data)
    },
    close() {
      httpAgent.destroy()
    },
  }
}
