// `/`: the page a subscriber sees. The form is a client component (SubscribeForm.tsx) that talks
// to the plugin's endpoints through `ory-otc/payload/client`; this page only frames it.
import type { Metadata } from 'next'

import { SubscribeForm } from './SubscribeForm'

export const metadata: Metadata = {
  title: 'Subscribe to the newsletter',
  description: 'Confirm your address with a one-time code.',
}

export default function SubscribePage() {
  return (
    <main className="card">
      <h1>The newsletter</h1>
      <p className="lede">One e-mail a month. Confirm your address with a code, no password needed.</p>
      <SubscribeForm />
    </main>
  )
}
