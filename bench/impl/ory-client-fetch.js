// Ory's own SDK, @ory/client-fetch: FrontendApi.createNativeLoginFlow / updateLoginFlow, with
// the 400 caught as a ResponseError. It runs on Node's global fetch.
'use strict'
const { Configuration, FrontendApi, ResponseError } = require('@ory/client-fetch')
const { codeSentFlowId, sessionToken } = require('./kratos')

exports.label = '@ory/client-fetch'

exports.create = (baseUrl) => {
  const api = new FrontendApi(new Configuration({ basePath: baseUrl, headers: { accept: 'application/json' } }))
  return {
    async sendCode(email) {
      const flow = await api.createNativeLoginFlow()
      try {
        await api.updateLoginFlow({ flow: flow.id, updateLoginFlowBody: { method: 'code', identifier: email } })
        throw new Error('send code: HTTP 200, expected the 400 of a sent code')
      } catch (err) {
        if (!(err instanceof ResponseError) || err.response.status !== 400) throw err
        return codeSentFlowId(400, await err.response.json())
      }
    },
    async verifyCode(flowId, code, email) {
      const login = await api.updateLoginFlow({
        flow: flowId,
        updateLoginFlowBody: { method: 'code', code, identifier: email },
      })
      return sessionToken(200, login)
    },
    close() {},
  }
}
