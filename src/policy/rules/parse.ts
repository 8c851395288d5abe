// parseRule: takes rule text, returns its syntax tree — type-checked, every name resolved —
// or an error naming the position. Runs once at config load; must never evaluate input,
// never use eval / new Function, and never recurse deeper than MAX_DEPTH.
import { err, ok, type Result } from '../../util/result'
import { resolveName, RULE_VARIABLES, type Expr, type ValueType } from './ast'
import { tokenize, type Token } from './lexer'

const MAX_DEPTH = 32
const MAX_LIST = 64

class ParseError {
  readonly message: string
  readonly pos: number
  constructor(message: string, pos: number) {
    this.message = message
    this.pos = pos
  }
}

export function parseRule(text: string): Result<Expr, 'syntax' | 'type'> {
  const lexed = tokenize(text)
  if (!lexed.ok) return lexed
  const p = new Parser(lexed.value)
  try {
    const expr = p.expression(0)
    p.expectEnd()
    const type = typeOf(expr)
    if (type !== 'bool') return err('type', `a rule must be true or false, this is a ${type} (position 1)`)
    return ok(expr)
  } catch (e) {
    if (e instanceof ParseError) return err(e.message.startsWith('type:') ? 'type' : 'syntax', `${e.message.replace(/^type: /, '')} at position ${e.pos + 1}`)
    throw e
  }
}

class Parser {
  #i = 0
  readonly tokens: readonly Token[]
  constructor(tokens: readonly Token[]) {
    this.tokens = tokens
  }

  #peek(): Token {
    return this.tokens[this.#i] as Token
  }
  #next(): Token {
    const t = this.#peek()
    if (t.kind !== 'end') this.#i++
    return t
  }
  #isOp(value: string): boolean {
    const t = this.#peek()
    return t.kind === 'op' && t.value === value
  }
  #isKeyword(value: string): boolean {
    const t = this.#peek()
    return t.kind === 'keyword' && t.value === value
  }
  #expectOp(value: string): void {
    const t = this.#next()
    if (t.kind !== 'op' || t.value !== value) throw new ParseError(`expected "${value}"`, t.pos)
  }
  expectEnd(): void {
    const t = this.#peek()
    if (t.kind !== 'end') throw new ParseError('unexpected text after the end of the rule', t.pos)
  }

  expression(depth: number): Expr {
    if (depth > MAX_DEPTH) throw new ParseError(`nested deeper than ${MAX_DEPTH}`, this.#peek().pos)
    let left = this.#and(depth)
    while (this.#isKeyword('or')) {
      const pos = this.#next().pos
      left = logic('or', left, this.#and(depth), pos)
    }
    return left
  }

  #and(depth: number): Expr {
    let left = this.#not(depth)
    while (this.#isKeyword('and')) {
      const pos = this.#next().pos
      left = logic('and', left, this.#not(depth), pos)
    }
    return left
  }

  #not(depth: number): Expr {
    if (this.#isKeyword('not')) {
      const pos = this.#next().pos
      if (depth > MAX_DEPTH) throw new ParseError(`nested deeper than ${MAX_DEPTH}`, pos)
      const operand = this.#not(depth + 1)
      need(operand, 'bool', pos)
      return { kind: 'not', operand }
    }
    return this.#comparison(depth)
  }

  #comparison(depth: number): Expr {
    const left = this.#sum(depth)
    const t = this.#peek()
    if (t.kind === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(t.value)) {
      this.#next()
      const right = this.#sum(depth)
      const op = t.value as '==' | '!=' | '<' | '<=' | '>' | '>='
      const lt = typeOf(left)
      const rt = typeOf(right)
      if (op === '==' || op === '!=') {
        if (lt !== rt && lt !== 'missing' && rt !== 'missing') throw new ParseError(`type: cannot compare ${lt} with ${rt}`, t.pos)
      } else {
        need(left, 'number', t.pos)
        need(right, 'number', t.pos)
      }
      return { kind: 'compare', op, left, right }
    }
    if (t.kind === 'keyword' && t.value === 'in') {
      this.#next()
      return { kind: 'in', needle: left, list: this.#list(typeOf(left), t.pos) }
    }
    if (t.kind === 'keyword' && t.value === 'contains') {
      this.#next()
      need(left, 'string', t.pos)
      const s = this.#next()
      if (s.kind !== 'string') throw new ParseError('contains needs a string', s.pos)
      return { kind: 'contains', haystack: left, needle: s.value.toLowerCase() }
    }
    return left
  }

  #list(type: ValueType | 'missing', pos: number): (number | string)[] {
    if (type !== 'string' && type !== 'number') throw new ParseError('type: "in" needs a string or number on its left', pos)
    this.#expectOp('[')
    const items: (number | string)[] = []
    while (!this.#isOp(']')) {
      if (items.length > 0) this.#expectOp(',')
      const t = this.#next()
      if (t.kind !== type) throw new ParseError(`type: list items must be ${type}s`, t.pos)
      items.push(t.value as number | string)
      if (items.length > MAX_LIST) throw new ParseError(`more than ${MAX_LIST} list items`, t.pos)
    }
    this.#next()
    return items
  }

  #sum(depth: number): Expr {
    let left = this.#term(depth)
    while (this.#isOp('+') || this.#isOp('-')) {
      const t = this.#next()
      left = arith(t.kind === 'op' && t.value === '+' ? '+' : '-', left, this.#term(depth), t.pos)
    }
    return left
  }

  #term(depth: number): Expr {
    let left = this.#unary(depth)
    while (this.#isOp('*') || this.#isOp('/')) {
      const t = this.#next()
      left = arith(t.kind === 'op' && t.value === '*' ? '*' : '/', left, this.#unary(depth), t.pos)
    }
    return left
  }

  #unary(depth: number): Expr {
    if (this.#isOp('-')) {
      const pos = this.#next().pos
      if (depth > MAX_DEPTH) throw new ParseError(`nested deeper than ${MAX_DEPTH}`, pos)
      const operand = this.#unary(depth + 1)
      need(operand, 'number', pos)
      return { kind: 'neg', operand }
    }
    return this.#atom(depth)
  }

  #atom(depth: number): Expr {
    const t = this.#next()
    switch (t.kind) {
      case 'number':
      case 'string':
        return { kind: 'literal', value: t.value }
      case 'keyword':
        if (t.value === 'true' || t.value === 'false') return { kind: 'literal', value: t.value === 'true' }
        if (t.value === 'missing') return { kind: 'missing' }
        throw new ParseError(`unexpected "${t.value}"`, t.pos)
      case 'ident': {
        const resolved = resolveName(t.value)
        if (resolved === undefined) throw new ParseError(`unknown name "${t.value}" (a feature from docs/features.md or one of ${Object.keys(RULE_VARIABLES).join(', ')})`, t.pos)
        return resolved
      }
      case 'op':
        if (t.value === '(') {
          const inner = this.expression(depth + 1)
          this.#expectOp(')')
          return inner
        }
        throw new ParseError(`unexpected "${t.value}"`, t.pos)
      case 'end':
        throw new ParseError('the rule ends too early', t.pos)
    }
  }
}

function need(e: Expr, type: ValueType, pos: number): void {
  const t = typeOf(e)
  if (t !== type && t !== 'missing') throw new ParseError(`type: expected a ${type}, got a ${t}`, pos)
}

function logic(op: 'and' | 'or', left: Expr, right: Expr, pos: number): Expr {
  need(left, 'bool', pos)
  need(right, 'bool', pos)
  return { kind: 'logic', op, left, right }
}

function arith(op: '+' | '-' | '*' | '/', left: Expr, right: Expr, pos: number): Expr {
  need(left, 'number', pos)
  need(right, 'number', pos)
  return { kind: 'arith', op, left, right }
}

export function typeOf(e: Expr): ValueType | 'missing' {
  switch (e.kind) {
    case 'literal':
      return typeof e.value === 'number' ? 'number' : typeof e.value === 'string' ? 'string' : 'bool'
    case 'missing':
      return 'missing'
    case 'feature':
      return e.bool ? 'bool' : 'number'
    case 'var':
      return RULE_VARIABLES[e.name]
    case 'not':
    case 'logic':
    case 'compare':
    case 'in':
    case 'contains':
      return 'bool'
    case 'neg':
    case 'arith':
      return 'number'
  }
}
