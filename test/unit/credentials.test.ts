// Credential extraction in plain Node (readCredentials): every place an origin may read a username —
// form bodies with duplicates and case variants, nested JSON with duplicate keys, multipart parts,
// the query string — and every way it can be hidden (past the cap, malformed, unknown type).
import { describe, expect, it } from 'vitest'
import { walkJsonLeaves } from '../../src/signals/credentialJson'
import { multipartBoundary, multipartFields } from '../../src/signals/credentialMultipart'
import { readCredentials, type CredentialFields, type CredentialInput } from '../../src/signals/credentials'

const FIELDS: CredentialFields = {
  usernameFields: ['username', 'email', 'user', 'login'],
  jsonPaths: ['user.email', 'data.login'],
  passwordFields: ['password', 'passwd', 'pass', 'pwd'],
}
const encoder = new TextEncoder()
const FORM = 'application/x-www-form-urlencoded'
const JSON_TYPE = 'application/json'
const MULTI = 'multipart/form-data; boundary=----WebKitFormBoundaryX3b'

function multipart(parts: ReadonlyArray<readonly [string, string]>, boundary = '----WebKitFormBoundaryX3b', filePart = false): string {
  let out = ''
  for (const [name, value] of parts) out += `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`
  if (filePart) out += `--${boundary}\r\nContent-Disposition: form-data; name="username"; filename="u.txt"\r\nContent-Type: text/plain\r\n\r\nfile-content@example.com\r\n`
  return `${out}--${boundary}--\r\n`
}

const input = (body: string, contentType: string | null, over: Partial<CredentialInput> = {}): CredentialInput => ({
  query: '',
  body: encoder.encode(body),
  truncated: false,
  complete: true,
  contentType,
  ...over,
})

describe('readCredentials', () => {
  it.each([
    ['a plain form', input('username=alice%40example.com&password=x', FORM), ['alice@example.com'], null, false],
    ['form duplicates that disagree (case variant first)', input('Username=decoy&username=victim&password=x', FORM), ['decoy', 'victim'], null, true],
    ['form duplicates of one key', input('username=a1&username=a2&password=x', FORM), ['a1', 'a2'], null, true],
    ['duplicates that are one username once canonical', input('username=Alice&USERNAME=%20alice%20', FORM), ['alice'], null, false],
    ['a case variant alone', input('EMAIL=Bob%40Example.com&pwd=x', FORM), ['bob@example.com'], null, false],
    ['PHP-style nested form keys', input('user[email]=carol%40example.com&user[password]=x', FORM), ['carol@example.com'], null, false],
    ['a form without Content-Type', input('login=dave&password=x', null), ['dave'], null, false],
    ['flat JSON', input('{"email":"eve@example.com","password":"x"}', JSON_TYPE), ['eve@example.com'], null, false],
    ['nested JSON on a configured path', input('{"user":{"email":"frank@example.com","password":"x"}}', JSON_TYPE), ['frank@example.com'], null, false],
    ['a second configured path, key in another case', input('{"Data":{"LOGIN":"grace"}}', 'application/vnd.api+json'), ['grace'], null, false],
    ['duplicate JSON keys (JSON.parse keeps only the last)', input('{"username":"decoy","username":"victim"}', JSON_TYPE), ['decoy', 'victim'], null, true],
    ['a JSON case variant', input('{"Username":"decoy","username":"victim"}', JSON_TYPE), ['decoy', 'victim'], null, true],
    ['a batch of JSON logins', input('[{"username":"v1","password":"a"},{"username":"v2","password":"b"}]', JSON_TYPE), ['v1', 'v2'], null, true],
    ['a numeric JSON username', input('{"login":12345}', JSON_TYPE), ['12345'], null, false],
    ['an unconfigured nested path', input('{"profile":{"email":"x@example.com"}}', JSON_TYPE), [], 'no_username', false],
    ['malformed JSON', input('{"username":"henry"', JSON_TYPE), ['henry'], 'malformed', false],
    ['JSON with trailing garbage', input('{"username":"ivy"} x', JSON_TYPE), ['ivy'], 'malformed', false],
    ['multipart', input(multipart([['username', 'jack@example.com'], ['password', 'x']]), MULTI), ['jack@example.com'], null, false],
    ['multipart duplicates and case variants', input(multipart([['Username', 'decoy'], ['username', 'victim']]), MULTI), ['decoy', 'victim'], null, true],
    ['a multipart file part named username is not a username', input(multipart([['email', 'kim@example.com']], undefined, true), MULTI), ['kim@example.com'], null, false],
    ['multipart without a boundary', input(multipart([['username', 'x']]), 'multipart/form-data'), [], 'malformed', false],
    ['multipart without its closing delimiter', input(multipart([['username', 'lee']]).replace(/--\r\n$/, ''), MULTI), ['lee'], 'malformed', false],
    ['an unread type', input('username=mia', 'text/plain'), [], 'unsupported_type', false],
    // Bytes that spell a decoy as sent, while an origin that inflates or decodes the body reads another user.
    ['a gzip-coded body (its header comment can spell any pair)', input('username=decoy&password=x', FORM, { contentEncoding: 'gzip' }), [], 'unsupported_type', false],
    ['a UTF-16 form (its bytes re-spell ASCII)', input('username=decoy&password=x', `${FORM}; charset=UTF-16LE`), [], 'unsupported_type', false],
    ['a form with an ASCII-compatible charset', input('username=ann&password=x', `${FORM}; charset="utf-8"`, { contentEncoding: 'identity' }), ['ann'], null, false],
    ['an empty body', input('', FORM), [], 'no_username', false],
    ['a body that failed midway', input('username=ned&pass', FORM, { complete: false }), ['ned'], 'body_error', false],
  ] as const)('%s', (_what, given, usernames, unreadable, conflict) => {
    const read = readCredentials(given, FIELDS)
    expect(read.usernames).toEqual(usernames)
    expect(read.unreadable).toBe(unreadable)
    expect(read.conflict).toBe(conflict)
  })

  it.each([
    ['GET with username and password', '?username=olga&password=x', ['olga'], true],
    ['a prefilled form view', '?email=olga%40example.com', ['olga@example.com'], false],
    ['an abbreviated password field', 'user=pat&pwd=x', ['pat'], true],
    ['no credentials', '?next=/account', [], false],
  ] as const)('reads the query string: %s', (_what, query, usernames, passwordSeen) => {
    const read = readCredentials(input('', null, { query }), FIELDS)
    expect(read.usernames).toEqual(usernames)
    expect(read.passwordSeen).toBe(passwordSeen)
  })

  it('sees a query username that disagrees with the body one', () => {
    const read = readCredentials(input('username=decoy&password=x', FORM, { query: '?username=victim' }), FIELDS)
    expect(read.usernames).toEqual(['victim', 'decoy'])
    expect(read.conflict).toBe(true)
  })

  it('marks a body past the cap unreadable, keeps the usernames before the cut and drops a cut-off pair', () => {
    const padded = `username=before&pad=${'x'.repeat(5000)}`
    const head = padded.slice(0, 1024)
    const read = readCredentials(input(head, FORM, { truncated: true }), FIELDS)
    expect(read.unreadable).toBe('too_large')
    expect(read.usernames).toEqual(['before'])
    // Padding first: the username is past the cap and nothing is read.
    const hidden = readCredentials(input(`pad=${'x'.repeat(1020)}&username=victim`.slice(0, 1024), FORM, { truncated: true }), FIELDS)
    expect(hidden).toMatchObject({ usernames: [], unreadable: 'too_large' })
    // A username cut by the cap is not read as a shorter one.
    const cut = readCredentials(input('password=x&username=vict', FORM, { truncated: true }), FIELDS)
    expect(cut.usernames).toEqual([])
  })

  it('marks oversized multipart and JSON bodies unreadable too, with what came before the cut', () => {
    const parts = multipart([['username', 'quinn'], ['pad', 'y'.repeat(4000)], ['username', 'victim']])
    const read = readCredentials(input(parts.slice(0, 1024), MULTI, { truncated: true }), FIELDS)
    expect(read).toMatchObject({ usernames: ['quinn'], unreadable: 'too_large', conflict: false })
    const json = `{"username":"rose","pad":"${'z'.repeat(4000)}","username":"victim"}`
    expect(readCredentials(input(json.slice(0, 1024), JSON_TYPE, { truncated: true }), FIELDS)).toMatchObject({ usernames: ['rose'], unreadable: 'too_large' })
  })

  it('takes the first configured field that holds a value: two different fields are not a conflict', () => {
    const signup = readCredentials(input('email=bob%40example.com&username=bobby&password=x', FORM), FIELDS)
    expect(signup).toMatchObject({ usernames: ['bobby'], conflict: false, otherFieldDisagrees: true, unreadable: null })
    // The same user in two fields is no disagreement.
    expect(readCredentials(input('email=bob&username=BOB&password=x', FORM), FIELDS).otherFieldDisagrees).toBe(false)
    const order = readCredentials(input('username=bob&acct_id=Alice-42', FORM), { ...FIELDS, usernameFields: ['acct_id', 'username'] })
    expect(order.usernames).toEqual(['alice-42'])
  })

  it('reads an Authorization: Basic user-id as a username and its password as present, ranked after the body', () => {
    const basic = `Basic ${btoa('Sam@Example.com:secret-pass')}`
    const alone = readCredentials(input('', null, { authorization: basic }), FIELDS)
    expect(alone).toMatchObject({ usernames: ['sam@example.com'], passwordSeen: true, unreadable: null, passwordForDigest: 'secret-pass' })
    const { passwordForDigest: _digestOnly, ...rest } = alone
    expect(JSON.stringify(rest)).not.toContain('secret')
    expect(readCredentials(input('username=tom', FORM, { authorization: basic }), FIELDS).usernames).toEqual(['tom'])
    expect(readCredentials(input('', null, { authorization: 'Basic !!!' }), FIELDS)).toMatchObject({ usernames: [], passwordSeen: false })
    expect(readCredentials(input('', null, { authorization: 'Bearer abc' }), FIELDS).passwordSeen).toBe(false)
  })

  it('returns the password only for its digest, nowhere else, and caps the number of usernames', () => {
    const many = Array.from({ length: 20 }, (_, i) => `username=u${i}`).join('&')
    const { passwordForDigest, ...read } = readCredentials(input(`${many}&password=secret-pass`, FORM), FIELDS)
    expect(read.usernames).toHaveLength(8)
    expect(passwordForDigest).toBe('secret-pass')
    expect(JSON.stringify(read)).not.toContain('secret-pass')
  })
})

describe('the JSON leaf walker and multipart scanner', () => {
  it('walks nested objects and arrays, reports duplicates and refuses hostile nesting without throwing', () => {
    const leaves: string[] = []
    expect(walkJsonLeaves('{"a":{"b":["x",{"c":"y"}]},"a":{"b":1}}', (p, v) => leaves.push(`${p}=${v}`))).toBe(true)
    expect(leaves).toEqual(['a.b=x', 'a.b.c=y', 'a.b=1'])
    expect(walkJsonLeaves('['.repeat(100_000), () => {})).toBe(false)
    expect(walkJsonLeaves('{"a":"\\u00e9\\"q"}', (_p, v) => expect(v).toBe('é"q'))).toBe(true)
  })

  it('reads quoted and bare boundaries and bare-LF parts', () => {
    expect(multipartBoundary('multipart/form-data; boundary="a b"')).toBe('a b')
    expect(multipartBoundary('multipart/form-data;BOUNDARY=xyz;charset=utf-8')).toBe('xyz')
    expect(multipartFields('--b\nContent-Disposition: form-data; name=user\n\nsam\n--b--', 'b')).toEqual({ fields: [['user', 'sam']], complete: true })
  })
})

describe('readCredentials: the password, for its keyed digest only', () => {
  const fields = { usernameFields: ['username', 'email'], jsonPaths: [], passwordFields: ['password', 'pass'] }
  const read = (body: string, contentType = 'application/x-www-form-urlencoded', authorization: string | null = null) =>
    readCredentials({ query: '', body: new TextEncoder().encode(body), truncated: false, complete: true, contentType, authorization }, fields)

  it('is the first non-empty password value of a form, JSON or Basic auth; null without one', () => {
    expect(read('username=a&password=&pass=s3cret&password=later').passwordForDigest).toBe('s3cret')
    expect(read('{"user":{"password":"Winter2026!"},"username":"a"}', 'application/json').passwordForDigest).toBe('Winter2026!')
    expect(read('', '', `Basic ${btoa('alice:p:w')}`).passwordForDigest).toBe('p:w')
    expect(read('username=a').passwordForDigest).toBeNull()
    expect(read('username=a&password=x&pass=x').passwordConflict).toBe(false)
    expect(read('username=a&password=decoy&password=real').passwordConflict).toBe(true)
    expect(read('username=a&password=real', 'application/x-www-form-urlencoded', `Basic ${btoa('a:other')}`).passwordConflict).toBe(true)
    expect(read(`username=a&password=${'x'.repeat(300)}`).passwordForDigest).toHaveLength(256)
  })
})
