// The fastest plain JS we know: undici.request (npm undici) on a keep-alive pool to the origin.
'use strict'
const { Pool } = require('undici')
const { JSON_HEADERS, codeSentFlowId, sessionToken } = require('./kratos')

exports.label = 'undici.request'

exports.create = (baseUrl) => {
  const pool = new Pool(baseUrl)
  const origin = new URL(baseUrl).origin
  const call = async (method, url, body) => {
    const u = new URL(url, origin)
    if (u.origin !== origin) throw new Error(`refusing to call ${u.origin}`)
    const res = await pool.request({
      method,
      path: u.pathname + u.search,
      headers: JSON_HEADERS,
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    return [res.statusCode, await res.body.json()]
  }
  return {
    async sendCode(email) {
      const [status, flow] = await call('GET', '/self-service/login/api')
      if (status !== 200) throw new Error(`create flow: HTTP ${status}`)
      const [sent, body] = await call('POST', flow.ui.action, { method: 'code', identifier: email })
      return codeSentFlowId(sent, body)
    },
    async verifyCode(flowId, code, email) {
      const path = `/self-service/login?flow=${encodeURIComponent(flowId)}`
      const [status, body] = await call('POST', path, { method: 'code', code, identifier: email })
      return sessionToken(status, body)
    },
    close() {
      return pool.close()
    },
  }
}
