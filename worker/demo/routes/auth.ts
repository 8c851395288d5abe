// Takes the demo state; returns the routes for sign-in, sign-out, sign-up and password reset.
// Must not reveal whether an email exists except where the contract does (409 on sign-up).
import { Hono } from 'hono'
import { readFields } from '../body'
import type { DemoEnv, Deps } from '../context'
import { LoginForm, SignupForm, check } from '../fields'
import { loginPage, resetPage, resetSentPage, signupDonePage, signupPage, welcomePage } from '../pages/auth'
import { messagePage } from '../pages/layout'
import { bodyProblem, invalidFields, reply } from '../reply'
import { SESSION_COOKIE, SESSION_TTL_SECONDS, issueSession } from '../session'
import { checkLogin, normaliseEmail, signUp } from '../users'

function sessionCookie(request: Request, value: string, maxAge: number): string {
  const secure = new URL(request.url).protocol === 'https:' ? '; Secure' : ''
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAge}${secure}`
}

export function authRoutes({ state, now }: Deps): Hono<DemoEnv> {
  const app = new Hono<DemoEnv>()

  app.get('/login', (c) => c.html(loginPage()))

  app.post('/login', async (c) => {
    const req = c.req.raw
    const body = await readFields(req)
    if (!body.ok) return bodyProblem(req, body.reason)
    const form = check(LoginForm, body.fields)
    if (!form.ok) return invalidFields(req, form.invalid, '/login')
    const user = normaliseEmail(form.value.username)
    if (!(await checkLogin(state, user, form.value.password))) {
      return reply(req, {
        status: 401,
        json: { ok: false, error: 'invalid_credentials' },
        page: () => loginPage('That email and password do not match.', form.value.username),
      })
    }
    const token = await issueSession(state, user, now())
    return reply(req, {
      status: 200,
      json: { ok: true },
      page: () => welcomePage(user),
      headers: { 'set-cookie': sessionCookie(req, token, SESSION_TTL_SECONDS) },
    })
  })

  app.post('/logout', (c) =>
    reply(c.req.raw, {
      status: 200,
      json: { ok: true },
      page: () => messagePage('Signed out', 'You are signed out.', { href: '/', label: 'Home' }),
      headers: { 'set-cookie': sessionCookie(c.req.raw, '', 0) },
    }),
  )

  app.get('/signup', (c) => c.html(signupPage(c.get('user'))))

  app.post('/signup', async (c) => {
    const req = c.req.raw
    const body = await readFields(req)
    if (!body.ok) return bodyProblem(req, body.reason, c.get('user'))
    const form = check(SignupForm, body.fields)
    if (!form.ok) return invalidFields(req, form.invalid, '/signup', c.get('user'))
    const email = normaliseEmail(form.value.email)
    if ((await signUp(state, email, form.value.password)) === 'taken') {
      return reply(req, {
        status: 409,
        json: { ok: false, error: 'email_taken' },
        page: () => signupPage(c.get('user'), 'That email already has an account.', form.value.email),
      })
    }
    return reply(req, { status: 201, json: { ok: true, email }, page: () => signupDonePage(email) })
  })

  app.get('/password-reset', (c) => c.html(resetPage(c.get('user'))))

  // 200 always, whatever the body says (even unreadable), so it reveals nothing; only an
  // oversized body is refused, because it is never read.
  app.post('/password-reset', async (c) => {
    const req = c.req.raw
    const body = await readFields(req)
    if (!body.ok && body.reason === 'too_large') return bodyProblem(req, body.reason, c.get('user'))
    return reply(req, { status: 200, json: { ok: true }, page: () => resetSentPage(c.get('user')) })
  })

  return app
}
