// What every JS implementation checks in Kratos's answers, as a careful user would: the 400 of
// "send the code" is a success only with state `sent_email` and message 1010014 ("code sent").
'use strict'

const CODE_SENT = 1010014

exports.JSON_HEADERS = { accept: 'application/json', 'content-type': 'application/json' }

exports.submitUrl = (baseUrl, flowId) => `${baseUrl}/self-service/login?flow=${encodeURIComponent(flowId)}`

/** The flow id of a 400 "code sent" flow, or a thrown error naming what was wrong. */
exports.codeSentFlowId = (status, flow) => {
  const sent =
    status === 400 &&
    flow?.state === 'sent_email' &&
    Array.isArray(flow.ui?.messages) &&
    flow.ui.messages.some((m) => m.id === CODE_SENT)
  if (!sent) throw new Error(`send code: HTTP ${status}, state ${flow?.state}`)
  return flow.id
}

/** The session token of a 200 "signed in" answer. */
exports.sessionToken = (status, body) => {
  if (status !== 200 || typeof body?.session_token !== 'string' || !body.session?.active) {
    throw new Error(`verify code: HTTP ${status}`)
  }
  return body.session_token
}
