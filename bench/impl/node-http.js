// node:http with a keep-alive agent: the other plain-JS baseline, with no dependency at all.
'use strict'
const http = require('node:http')
const { JSON_HEADERS, codeSentFlowId, sessionToken } = require('./kratos')

exports.label = 'node:http'

exports.create = (baseUrl) => {
  const agent = new http.Agent({ keepAlive: true })
  const origin = new URL(baseUrl).origin
  const call = (method, url, body) =>
    new Promise((resolve, reject) => {
      const u = new URL(url, origin)
      if (u.origin !== origin) return reject(new Error(`refusing to call ${u.origin}`))
      const payload = body === undefined ? undefined : JSON.stringify(body)
      const headers = payload === undefined ? JSON_HEADERS : { ...JSON_HEADERS, 'content-length': Buffer.byteLength(payload) }
      const req = http.request(u, { method, agent, headers }, (res) => {
        const chunks = []
        res.on('data', (c) => chunks.push(c))
        res.on('end', () => {
          try {
            resolve([res.statusCode, JSON.parse(Buffer.concat(chunks).toString('utf8'))])
          } catch (e) {
            reject(e)
          }
        })
        res.on('error', reject)
      })
      req.on('error', reject)
      req.end(payload)
    })
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
      agent.destroy()
    },
  }
}
