// ory-otc: the addon. HTTP, JSON and the classification of Kratos's answers run in Rust on
// napi's tokio runtime; the JS thread only starts the call and receives the structured result.
'use strict'
const { OryOtc } = require('../..')

exports.label = 'ory-otc (this addon)'

exports.create = (baseUrl) => {
  const ory = new OryOtc({ baseUrl })
  return {
    async sendCode(email) {
      const r = await ory.sendLoginCode(email)
      if (r.status !== 'code_sent') throw new Error(`sendLoginCode: ${r.status}`)
      return r.flowId
    },
    async verifyCode(flowId, code, email) {
      const r = await ory.verifyLoginCode({ flowId, code, identifier: email })
      if (r.status !== 'signed_in') throw new Error(`verifyLoginCode: ${r.status}`)
      return r.sessionToken
    },
    close() {},
  }
}
