import { describe, expect, it } from 'vitest'
import { readCredentials } from '../../src/signals/credentials'
import { emailFacts, isEmailAddress } from '../../src/signals/email'

describe('emailFacts', () => {
  it('folds aliases into one mailbox: +tags everywhere, dots and googlemail.com at Gmail', () => {
    expect(emailFacts('a.b+1@gmail.com')).toEqual({ mailbox: 'ab@gmail.com', aliased: true, disposable: false })
    expect(emailFacts('ab+2@googlemail.com')).toEqual({ mailbox: 'ab@gmail.com', aliased: true, disposable: false })
    expect(emailFacts('ab@gmail.com')).toEqual({ mailbox: 'ab@gmail.com', aliased: false, disposable: false })
    // A dotted Gmail address is how its owner writes it: one mailbox with the undotted one, not an alias.
    expect(emailFacts('a.b@gmail.com')).toEqual({ mailbox: 'ab@gmail.com', aliased: false, disposable: false })
    // Dots are the mailbox's own elsewhere; a +tag is not.
    expect(emailFacts('a.b+shop@example.org')).toEqual({ mailbox: 'a.b@example.org', aliased: true, disposable: false })
    expect(emailFacts('a.b@example.org')?.aliased).toBe(false)
    expect(emailFacts('+x@example.org')?.mailbox).toBe('+x@example.org')
  })

  it('knows throwaway-inbox domains from the bundled list, under any subdomain, with the operator\'s additions and exceptions', () => {
    expect(emailFacts('x7k2q@mailinator.com')?.disposable).toBe(true)
    expect(emailFacts('x7k2q@eu.mailinator.com')?.disposable).toBe(true)
    expect(emailFacts('x7k2q@yopmail.com')?.disposable).toBe(true)
    expect(emailFacts('jane.doe@gmail.com')?.disposable).toBe(false)
    expect(emailFacts('jane@example.org')?.disposable).toBe(false)
    expect(emailFacts('jane@mailinator.com.example.org')?.disposable).toBe(false)
    const lists = { extra: new Set(['throwaway.example']), allow: new Set(['mailinator.com']) }
    expect(emailFacts('a@in.throwaway.example', lists)?.disposable).toBe(true)
    expect(emailFacts('a@mailinator.com', lists)?.disposable).toBe(false)
  })

  it('is null for anything that is not an address', () => {
    for (const v of ['', 'bob', '@gmail.com', 'bob@', 'bob@localhost', 'b ob@gmail.com', 'bob@gmail.', 'bob@gmail..com']) {
      expect(emailFacts(v)).toBeNull()
      expect(isEmailAddress(v)).toBe(false)
    }
    expect(isEmailAddress('bob@gmail.com.')).toBe(true)
  })
})

describe('readCredentials: the e-mail address of a sign-up form', () => {
  const fields = { usernameFields: ['username', 'email', 'user', 'login'], jsonPaths: [], passwordFields: ['password'] }
  const read = (body: string, contentType = 'application/x-www-form-urlencoded') =>
    readCredentials({ query: '', body: new TextEncoder().encode(body), truncated: false, complete: true, contentType }, fields)

  it('is every address any configured field holds, whichever field is the username', () => {
    expect(read('username=bobby&email=Bob%2Bx%40Example.com&password=p').emails).toEqual(['bob+x@example.com'])
    expect(read('email=bob%40example.com&password=p').emails).toEqual(['bob@example.com'])
    expect(read('{"user":{"name":"bob"},"email":"bob@example.com"}', 'application/json').emails).toEqual(['bob@example.com'])
    expect(read('username=bobby&password=p').emails).toEqual([])
    // A plain decoy in the username field does not hide the throwaway one in `email`.
    expect(read('username=decoy%40gmail.com&email=x7%40mailinator.com&password=p').emails).toEqual(['decoy@gmail.com', 'x7@mailinator.com'])
  })
})
