// Node's own fetch (the undici bundled with Node), reading the 400 as a normal response.
'use strict'
const { JSON_HEADERS, submitUrl, codeSentFlowId, sessionToken } = require('./kratos')

exports.label = 'fetch (Node built-in)'

exports.create = (baseUrl) => {
  const post = (url, body) => fetch(url, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(body) })
  return {
    async sendCode(email) {
      const created = await fetch(`${baseUrl}/self-service/login/api`, { headers: JSON_HEADERS })
      if (created.status !== 200) throw new Error(`create flow: HTTP ${created.status}`)
      const flow = await created.json()
      const res = await post(flow.ui.action, { method: 'code', identifier: email })
      return codeSentFlowId(res.status, await res.json())
    },
    async verifyCode(flowId, code, email) {
      const res = await post(submitUrl(baseUrl, flowId), { method: 'code', code, identifier: email })
      return sessionToken(res.status, await res.json())
    },
    close() {},
  }
}
