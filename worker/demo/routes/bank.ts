// Takes the demo state; returns the session-only routes: account, profile and transfer.
// Must not answer any of them without a valid session: 401 comes first, before the body is read.
import { Hono } from 'hono'
import { readFields } from '../body'
import type { DemoEnv, Deps } from '../context'
import { ProfileForm, TransferForm, check } from '../fields'
import { balanceOf, profileOf, transfer, updateProfile } from '../ledger'
import { centsToDecimal } from '../money'
import { accountPage, profilePage, transferDonePage } from '../pages/bank'
import { messagePage } from '../pages/layout'
import { bodyProblem, invalidFields, reply, signInRequired } from '../reply'

const BACK_TO_ACCOUNT = { href: '/account', label: 'Back to your account' } as const

export function bankRoutes({ state }: Deps): Hono<DemoEnv> {
  const app = new Hono<DemoEnv>()

  for (const path of ['/account', '/profile', '/transfer'] as const) {
    app.use(path, async (c, next) => {
      if (!c.get('user')) return signInRequired(c.req.raw)
      await next()
    })
  }

  app.get('/account', (c) => {
    const user = c.get('user') ?? ''
    const balance = balanceOf(state, user)
    return reply(c.req.raw, {
      status: 200,
      json: { ok: true, user, balance: centsToDecimal(balance) },
      page: () => accountPage(user, balance),
    })
  })

  app.get('/profile', (c) => {
    const user = c.get('user') ?? ''
    const profile = profileOf(state, user)
    return reply(c.req.raw, {
      status: 200,
      json: { ok: true, profile },
      page: () => profilePage(user, profile),
    })
  })

  app.post('/profile', async (c) => {
    const req = c.req.raw
    const user = c.get('user') ?? ''
    const body = await readFields(req)
    if (!body.ok) return bodyProblem(req, body.reason, user)
    const form = check(ProfileForm, body.fields)
    if (!form.ok) return invalidFields(req, form.invalid, '/profile', user)
    const profile = updateProfile(state, user, form.value)
    return reply(req, {
      status: 200,
      json: { ok: true, profile },
      page: () => profilePage(user, profile, true),
    })
  })

  app.post('/transfer', async (c) => {
    const req = c.req.raw
    const user = c.get('user') ?? ''
    const body = await readFields(req)
    if (!body.ok) return bodyProblem(req, body.reason, user)
    const form = check(TransferForm, body.fields)
    if (!form.ok) return invalidFields(req, form.invalid, '/account', user)
    const { to, amount } = form.value
    if (transfer(state, user, amount) === 'insufficient_funds') {
      return reply(req, {
        status: 422,
        json: { ok: false, error: 'insufficient_funds' },
        page: () =>
          messagePage('Transfer not sent', 'Your balance is too low for that transfer.', BACK_TO_ACCOUNT, user),
      })
    }
    const balance = balanceOf(state, user)
    return reply(req, {
      status: 200,
      json: { ok: true, to, amount: centsToDecimal(amount), balance: centsToDecimal(balance) },
      page: () => transferDonePage(user, to, amount, balance),
    })
  })

  return app
}
