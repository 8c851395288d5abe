// The simulator's people without JavaScript follow a challenge's meta refresh as a real browser
// does: the parser reads the Worker's own pages (interstitial, challenge page with the wait, wait
// page), and finds nothing to follow where no wait is offered.
import { describe, expect, it } from 'vitest'
import { metaRefresh } from '../../src/cli/simulate/families/pageLoad'
import { challengePage, challengeSolvePage, challengeWaitPage, waitUrl } from '../../worker/pages/challenge'

const TOKEN = 'eyJhbGciOiJFUzI1NiJ9.eyJ2IjoxfQ.c2ln'

describe('metaRefresh (simulated browsers without JavaScript)', () => {
  it('follows the interstitial at once to the challenge page', () => {
    const { html } = challengePage('ref1', '/products/7?x=1&y=2', 'ticket.abc.def')
    expect(metaRefresh(html)).toEqual({ seconds: 0, url: '/__edgeward/challenge?return=%2Fproducts%2F7%3Fx%3D1%26y%3D2&t=ticket.abc.def' })
  })

  it('waits on the challenge page that offers the wait, then goes to the wait path', () => {
    const page = challengeSolvePage({ method: 'pow', token: 't', challengeId: 'c', difficulty: 14, wait: { token: TOKEN, seconds: 5 } })
    expect(metaRefresh(page.html)).toEqual({ seconds: 5, url: waitUrl(TOKEN) })
  })

  it('finds nothing to follow on a challenge page without the wait (high tier)', () => {
    expect(metaRefresh(challengeSolvePage({ method: 'pow', token: 't', challengeId: 'c', difficulty: 20 }).html)).toBeNull()
  })

  it('waits out the early wait page, rounded up', () => {
    expect(metaRefresh(challengeWaitPage(TOKEN, 2.2).html)).toEqual({ seconds: 3, url: waitUrl(TOKEN) })
  })

  it.each(['', '<html><head></head><body><meta http-equiv="refresh" content="0;url=/x"></body></html>', '<head><meta http-equiv="refresh" content="0;url=https://evil.example/"></head>'])(
    'ignores a refresh outside <head> or to another site: %s',
    (html) => {
      expect(metaRefresh(html)).toBeNull()
    },
  )
})
