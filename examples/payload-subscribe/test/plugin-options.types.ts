// Type-checked by `npm run typecheck` (tsc --noEmit), never run: the options of `oryOtcPlugin`
// against this app's generated collection slugs (src/payload-types.ts). Every `@ts-expect-error`
// line must be an error, or tsc fails with "Unused '@ts-expect-error' directive".
import { oryOtcPlugin, type OryOtcPluginOptions } from 'ory-otc/payload'
import type { Config } from 'payload'

// What the app uses, and every option with a value of the right type.
export const ok: Array<(config: Config) => Config> = [
  oryOtcPlugin({ collection: 'subscriptions' }),
  oryOtcPlugin({
    collection: 'subscriptions',
    mode: 'api',
    ory: { baseUrl: 'http://127.0.0.1:4433', timeoutMs: 5000 },
    subscriber: { data: ({ identity, flowType, doc }) => ({ note: `${identity.id} ${flowType} ${doc?.id}` }) },
    users: { collection: 'members', create: true, data: ({ identity }) => ({ name: identity.traits.name }) },
    sessionCacheSeconds: 0,
    cookie: { name: 'sid', secure: true },
  }),
  oryOtcPlugin({ collection: 'subscriptions', mode: 'browser', sessionCookie: 'ory_session_acme', cookieDomain: '' }),
  oryOtcPlugin({ collection: 'subscriptions', subscriber: false, users: { collection: 'users' } }),
]

export const wrong: OryOtcPluginOptions[] = [
  // @ts-expect-error the collection is required
  {},
  // @ts-expect-error a slug is a string
  { collection: 42 },
  // @ts-expect-error not a collection of this app
  { collection: 'subscribers' },
  // @ts-expect-error the users collection must have auth (subscriptions has none)
  { collection: 'subscriptions', users: { collection: 'subscriptions' } },
  // @ts-expect-error the users collection is required inside `users`
  { collection: 'subscriptions', users: { create: true } },
  // @ts-expect-error only 'api' or 'browser'
  { collection: 'subscriptions', mode: 'cookie' },
  // @ts-expect-error `cookie` is API mode's
  { collection: 'subscriptions', mode: 'browser', cookie: { name: 'sid' } },
  // @ts-expect-error `sessionCookie` is browser mode's (and API mode is the default)
  { collection: 'subscriptions', sessionCookie: 'ory_kratos_session' },
  // @ts-expect-error seconds are a number
  { collection: 'subscriptions', sessionCacheSeconds: '10' },
  // @ts-expect-error `flow` comes from `mode`
  { collection: 'subscriptions', ory: { flow: 'browser' } },
  // @ts-expect-error an unknown option
  { collection: 'subscriptions', colection: 'subscriptions' },
]
