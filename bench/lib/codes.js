// Reads the codes the emulator mailed, from its admin courier API (dev mode shows them), the
// way a test reads a mailbox. This runs between the timed phases and is never measured.
'use strict'
const http = require('node:http')

const PAGE = 500

function getJson(agent, url) {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent, headers: { accept: 'application/json' } }, (res) => {
        const chunks = []
        res.on('data', (c) => chunks.push(c))
        res.on('end', () => {
          if (res.statusCode !== 200) return reject(new Error(`GET ${url}: HTTP ${res.statusCode}`))
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')))
        })
        res.on('error', reject)
      })
      .on('error', reject)
  })
}

/** A reader whose `read(emails)` resolves a Map email -> newest code, for `emails.length` newest messages. */
function codeReader(baseUrl) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  return {
    async read(emails) {
      const wanted = new Set(emails)
      const codes = new Map()
      let token = ''
      let seen = 0
      // Newest first: the newest message of each address is the one of this batch.
      while (codes.size < wanted.size) {
        const url = `${baseUrl}/admin/courier/messages?page_size=${PAGE}&page_token=${token}`
        const page = await getJson(agent, url)
        for (const m of page) {
          if (!wanted.has(m.recipient) || codes.has(m.recipient)) continue
          const code = /\b(\d{6})\b/.exec(m.body)
          if (code) codes.set(m.recipient, code[1])
        }
        seen += page.length
        if (page.length < PAGE || seen >= 4 * wanted.size + PAGE) break
        token = page[page.length - 1].id
      }
      const missing = emails.filter((e) => !codes.has(e))
      if (missing.length) throw new Error(`no code mailed to ${missing.length} addresses, e.g. ${missing[0]}`)
      return codes
    },
    close() {
      agent.destroy()
    },
  }
}

/**
 * A reader for a real Kratos: for each address, the newest message of the admin courier API
 * (`GET <admin>/admin/courier/messages?recipient=…&page_size=1`; Kratos lists newest first and
 * shows bodies only with `--dev`). `read(emails)` resolves a Map email -> code.
 */
function kratosCodeReader(adminUrl, { parallel = 8 } = {}) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: parallel })
  const newest = async (email) => {
    const url = `${adminUrl}/admin/courier/messages?recipient=${encodeURIComponent(email)}&page_size=1`
    const [m] = await getJson(agent, url)
    const code = m && /\b(\d{6})\b/.exec(m.body ?? '')
    if (!code) throw new Error(`no code mailed to ${email} (is Kratos running with --dev?)`)
    return code[1]
  }
  return {
    async read(emails) {
      const codes = new Map()
      let next = 0
      const worker = async () => {
        while (next < emails.length) {
          const email = emails[next++]
          codes.set(email, await newest(email))
        }
      }
      await Promise.all(Array.from({ length: Math.min(parallel, emails.length) }, worker))
      return codes
    },
    close() {
      agent.destroy()
    },
  }
}

module.exports = { codeReader, kratosCodeReader }
