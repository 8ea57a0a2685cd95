// Property tests (fast-check, 1,000 runs each): whatever storage or the app hands the session, reading it
// never throws, never touches Object.prototype, and yields nothing or a clean, valid session.
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { decodeStoredSession, encodeStoredSession } from '../../src/runtime/stored-session'
import { VisitorSession } from '../../src/runtime/session'
import { validateTokens } from '../../src/runtime/tokens'
import type { Tokens } from '../../src/runtime/types'
import { startWixStandIn } from '../../src/testing'

const RUNS = { numRuns: 1000 }
const standIn = await startWixStandIn()
afterAll(() => standIn.close())
beforeEach(() => standIn.reset())

const CLIENT_ID = standIn.clientId
const OTHER_CLIENT_ID = '11111111-2222-4333-8444-555555555555'
const ROLES = ['visitor', 'member', 'none']
const now = () => Math.floor(Date.now() / 1000)

// --- Object.prototype and friends stay as they were -------------------------------------------------

/** Keys a pollution attempt in the generated values would leave on a prototype. */
const POLLUTION_KEYS = ['polluted', 'isAdmin', 'accessToken', 'refreshToken', 'clientId', 'tokens', 'value', 'expiresAt', 'role']
const PROTOTYPES = [Object.prototype, Array.prototype, Function.prototype, String.prototype, Number.prototype]
const snapshots = PROTOTYPES.map(proto => Object.getOwnPropertyDescriptors(proto))

function expectPrototypesUntouched() {
  PROTOTYPES.forEach((proto, index) => {
    const before = snapshots[index]!
    const after = Object.getOwnPropertyDescriptors(proto)
    expect(Reflect.ownKeys(after)).toEqual(Reflect.ownKeys(before))
    for (const key of Reflect.ownKeys(before)) {
      const [was, is] = [before[key as string]!, after[key as string]!]
      expect(Object.is(was.value, is.value) && was.get === is.get && was.set === is.set).toBe(true)
    }
  })
  const plain = {} as Record<string, unknown>
  for (const key of POLLUTION_KEYS) expect(plain[key]).toBeUndefined()
  expect(Object.getPrototypeOf(plain)).toBe(Object.prototype)
}

/** A `Tokens` value with exactly the documented own keys, plain objects all the way down. */
function expectCleanTokens(tokens: Tokens) {
  const plain = (value: object, keys: string[]) => {
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype)
    expect(Reflect.ownKeys(value).sort()).toEqual([...keys].sort())
  }
  plain(tokens, ['accessToken', 'refreshToken'])
  plain(tokens.accessToken, ['value', 'expiresAt'])
  plain(tokens.refreshToken, ['value', 'role'])
  expect(validateTokens(tokens, 'check')).toEqual(tokens)
}

/** `-0` is accepted as "non-negative" but JSON writes it as `0`: the only difference a round trip may make. */
function withoutNegativeZero(tokens: Tokens): Tokens {
  return Object.is(tokens.accessToken.expiresAt, -0) ? { ...tokens, accessToken: { ...tokens.accessToken, expiresAt: 0 } } : tokens
}

// --- JSON text built by hand, so `__proto__` is a real own key and numbers JSON cannot carry appear -----

type JsonNode = { text: string } | { array: JsonNode[] } | { object: [string, JsonNode][] }

function textOf(node: JsonNode): string {
  if ('text' in node) return node.text
  if ('array' in node) return `[${node.array.map(textOf).join(',')}]`
  return `{${node.object.map(([key, value]) => `${JSON.stringify(key)}:${textOf(value)}`).join(',')}}`
}

const text = (value: string): JsonNode => ({ text: value })
const object = (...entries: [string, JsonNode][]): JsonNode => ({ object: entries })
const quoted = (value: string) => text(JSON.stringify(value))

/** Strings past 4 kB, cheap to generate. */
const hugeString = fc.tuple(fc.string({ minLength: 1, maxLength: 40 }), fc.integer({ min: 4097, max: 20_000 }))
  .map(([unit, length]) => unit.repeat(Math.ceil(length / unit.length)).slice(0, length))

const anyString = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
  fc.constantFrom('\uD800', '\uDFFF', '\u0000', '\u2028', '\uFEFF', '%E0%A4%A', '%', '"', '\\', 'wixSession=x; y'),
  hugeString,
)

/** Access token values a header can carry (visible ASCII), and ones it cannot. */
const ASCII_TOKEN = /^[\x21-\x7E]*$/
const tokenString = fc.stringMatching(/^[\x21-\x7E]{0,60}$/)
const unsendableString = anyString.filter(value => !ASCII_TOKEN.test(value))

/** Number literals JSON.stringify never writes but JSON.parse reads: overflow to ±Infinity, -0, underflow. */
const oddNumberText = fc.constantFrom(
  '1e400', '-1e400', '-0', '-0.0', '1e-400', '-1e-400', '-1', '-0.5', '9007199254740993', '1.7976931348623157e308',
  '1.8e308', '8.64e12', '8.64e15', '1e21', '0.1e-5',
)
/** What no JSON parser accepts, JavaScript's own spellings included. */
const invalidLiteral = fc.constantFrom('NaN', 'Infinity', '-Infinity', '01', '+1', '.5', '1.', '0x10', 'undefined', '\'x\'')
const numberText = fc.oneof(
  fc.double().filter(Number.isFinite).map(value => JSON.stringify(value)),
  fc.integer().map(String),
  oddNumberText,
)

const leaf: fc.Arbitrary<JsonNode> = fc.oneof(
  anyString.map(quoted),
  numberText.map(text),
  fc.constantFrom('true', 'false', 'null').map(text),
  // Escapes JSON.stringify never writes: lone surrogates, escaped slash, \u0000, an escaped __proto__.
  fc.constantFrom('"\\ud800"', '"\\udc00x"', '"\\/"', '"\\u0000"', '"\\u005f\\u005fproto\\u005f\\u005f"').map(text),
)

const DANGEROUS_KEYS = ['__proto__', 'constructor', 'prototype']
const FIELD_NAMES = ['clientId', 'tokens', 'accessToken', 'refreshToken', 'value', 'expiresAt', 'role']
const key = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...DANGEROUS_KEYS) },
  { weight: 2, arbitrary: fc.constantFrom('polluted', 'isAdmin', 'toString', 'hasOwnProperty', 'valueOf', '') },
  // A field name again: JSON.parse keeps the last one.
  { weight: 1, arbitrary: fc.constantFrom(...FIELD_NAMES) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
)

/** The classic payloads, at any depth they are put. */
const pollution = fc.constantFrom<JsonNode>(
  object(['__proto__', object(['polluted', text('true')], ['accessToken', object(['value', quoted('x')])])]),
  object(['constructor', object(['prototype', object(['polluted', text('true')])])]),
  object(['prototype', object(['polluted', text('true')])]),
  object(['__proto__', object(['__proto__', object(['isAdmin', text('true')])])]),
)

/** Any JSON value (valid JSON text), nested, with dangerous keys at every depth. */
const { junk } = fc.letrec<{ junk: JsonNode, array: JsonNode, object: JsonNode }>(tie => ({
  junk: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, pollution, tie('array'), tie('object')),
  array: fc.array(tie('junk'), { maxLength: 4 }).map(array => ({ array })),
  object: fc.array(fc.tuple(key, tie('junk')), { maxLength: 5 }).map(entries => ({ object: entries })),
}))

/** Extra entries for any object: dangerous keys, field names again, anything. */
const extras = fc.array(fc.tuple(key, junk), { maxLength: 3 })

/** An object of `fields` (each may be missing) and extras, in any order. */
function objectOf(fields: fc.Arbitrary<[string, JsonNode] | null>[]): fc.Arbitrary<JsonNode> {
  return fc.tuple(fc.tuple(...fields), extras)
    .chain(([own, more]) => {
      const entries = [...own.filter(entry => entry !== null), ...more]
      return fc.shuffledSubarray(entries, { minLength: entries.length, maxLength: entries.length })
    })
    .map(entries => ({ object: entries }))
}

/** A field: mostly well formed (so many sessions decode), sometimes anything at all, sometimes missing. */
function field(name: string, good: fc.Arbitrary<JsonNode>, bad: fc.Arbitrary<JsonNode>) {
  return fc.oneof(
    { weight: 24, arbitrary: good.map(value => [name, value] as [string, JsonNode]) },
    { weight: 2, arbitrary: fc.oneof(bad, junk).map(value => [name, value] as [string, JsonNode]) },
    { weight: 1, arbitrary: fc.constant(null) },
  )
}

const goodExpiresAt = fc.oneof(
  fc.integer({ min: 0, max: 2 ** 32 }).map(String),
  fc.double({ min: 0, max: 8.64e12, noNaN: true }).map(value => JSON.stringify(value)),
  fc.constantFrom('0', '8.64e12', '-0', '1e-400'),
).map(text)
const badExpiresAt = fc.oneof(
  fc.constantFrom('1e400', '-1e400', '-1', '-0.5', '-1.7976931348623157e308', '"1700000000"', 'null', 'true', '[]', '{}', '1e21', '1.7976931348623157e308', '8.64e15').map(text),
  invalidLiteral.map(text),
  fc.integer({ max: -1 }).map(value => text(String(value))),
)
const tokensNode = objectOf([
  field('accessToken', objectOf([
    field('value', tokenString.map(quoted), fc.oneof(unsendableString.map(quoted), fc.constantFrom('1', 'null', '{}', '["x"]').map(text))),
    field('expiresAt', goodExpiresAt, badExpiresAt),
  ]), fc.constantFrom('"at"', 'null', '[]', '0').map(text)),
  field('refreshToken', objectOf([
    field('value', anyString.filter(value => value !== '').map(quoted), fc.constantFrom('""', '1', 'null', '{}').map(text)),
    field('role', fc.constantFrom(...ROLES).map(quoted), fc.constantFrom('Visitor', 'admin', '', '__proto__', 'constructor', 'toString').map(quoted)),
  ]), fc.constantFrom('"rt"', 'null', '[]', '0').map(text)),
])

const clientIdNode = fc.oneof(
  { weight: 12, arbitrary: fc.constant(quoted(CLIENT_ID)) },
  fc.oneof(fc.uuid(), fc.constantFrom('', OTHER_CLIENT_ID, CLIENT_ID.toUpperCase(), ` ${CLIENT_ID}`, '__proto__'), anyString).map(quoted),
  fc.constantFrom('null', '0', '{}', `["${CLIENT_ID}"]`).map(text),
)
const storedNode = fc.oneof(
  { weight: 3, arbitrary: objectOf([field('clientId', clientIdNode, junk), field('tokens', tokensNode, junk)]) },
  { weight: 2, arbitrary: tokensNode },
  { weight: 1, arbitrary: fc.tuple(tokensNode, fc.array(junk, { maxLength: 2 })).map(([tokens, rest]) => ({ array: [tokens, ...rest] })) },
)

/** Text as storage may hold it after a partial write, a mangled copy or a second encoding. */
const mangled = (raw: string) => fc.oneof(
  { weight: 10, arbitrary: fc.constant(raw) },
  fc.nat(raw.length).map(end => raw.slice(0, end)),
  fc.tuple(fc.nat(raw.length), fc.string({ unit: 'binary', minLength: 1, maxLength: 3 })).map(([at, insert]) => raw.slice(0, at) + insert + raw.slice(at)),
  fc.constantFrom(JSON.stringify(raw), encodeURIComponent(raw), `\uFEFF${raw}`, ` \n\t${raw}\n `, `${raw}${raw}`, `${raw},`, `[${raw}]`),
)

/** Anything a cookie or localStorage value could be. */
const rawStored = fc.oneof(
  { weight: 12, arbitrary: storedNode.map(textOf).chain(mangled) },
  { weight: 1, arbitrary: anyString },
  { weight: 1, arbitrary: fc.json({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map(value => JSON.stringify(value)) },
  { weight: 1, arbitrary: junk.map(textOf) },
  { weight: 1, arbitrary: fc.tuple(storedNode, invalidLiteral).map(([node, literal]) => textOf(node).replace(/(:)(-?\d[^,}\]]*|true|false|null)/, `$1${literal}`)) },
  fc.constantFrom(
    '{"tokens":{"accessToken":{"value":"a","expiresAt":1e400}}}',
    `{"clientId":"${CLIENT_ID}","tokens":{"accessToken":{"value":"a","expiresAt":1e400},"refreshToken":{"value":"r","role":"visitor"}}}`,
    '{"accessToken":{"value":"a","expiresAt":NaN},"refreshToken":{"value":"r","role":"visitor"}}',
    '{"accessToken":{"value":"a","expiresAt":-1e400},"refreshToken":{"value":"r","role":"visitor"}}',
    '{"__proto__":{"accessToken":{"value":"a","expiresAt":1},"refreshToken":{"value":"r","role":"visitor"}}}',
    `{"clientId":"${CLIENT_ID}","__proto__":{"tokens":{"accessToken":{"value":"a","expiresAt":1},"refreshToken":{"value":"r","role":"visitor"}}}}`,
    '{"accessToken":{"value":"a","expiresAt":1},"refreshToken":{"__proto__":{"value":"r","role":"visitor"}}}',
  ),
)
const anyClientId = fc.oneof(
  { weight: 12, arbitrary: fc.constant(CLIENT_ID) },
  fc.constantFrom(OTHER_CLIENT_ID, '', '__proto__', 'constructor'),
  fc.uuid(),
  anyString,
)

describe('decodeStoredSession over generated values', () => {
  it('never throws, never pollutes a prototype, and gives null or a clean valid session that round-trips', () => {
    const seen = { runs: 0, sessions: 0, negativeZero: 0 }
    fc.assert(fc.property(fc.oneof({ weight: 30, arbitrary: rawStored }, fc.constantFrom(null, undefined)), anyClientId, (raw, clientId) => {
      seen.runs++
      // A throw fails the property, with the value that caused it.
      const tokens = decodeStoredSession(raw, clientId)
      expectPrototypesUntouched()
      if (tokens === null) return
      seen.sessions++
      if (Object.is(tokens.accessToken.expiresAt, -0)) seen.negativeZero++
      expectCleanTokens(tokens)
      const again = decodeStoredSession(encodeStoredSession(clientId, tokens), clientId)
      expect(again).toEqual(withoutNegativeZero(tokens))
      // A session of another client id never reads as this one's.
      expect(decodeStoredSession(encodeStoredSession(clientId, tokens), `${clientId}x`)).toBeNull()
    }), RUNS)
    console.log(`decodeStoredSession: ${seen.runs} runs, ${seen.sessions} decoded to a session, ${seen.negativeZero} with expiresAt -0`)
    // Not vacuous: a good share of the generated values are sessions.
    expect(seen.sessions).toBeGreaterThan(seen.runs / 10)
  })

  // Well-formed tokens under junk that names none of the fields: exactly the tokens, for their client id only.
  const harmlessExtras = fc.array(fc.tuple(key.filter(name => !FIELD_NAMES.includes(name)), junk), { maxLength: 3 })
  const cleanTokens = fc.record({
    accessToken: fc.record({ value: tokenString, expiresAt: fc.oneof(fc.nat(), fc.double({ min: 0, max: 8.64e12, noNaN: true }).filter(value => !Object.is(value, -0))) }),
    refreshToken: fc.record({ value: anyString.filter(value => value !== ''), role: fc.constantFrom(...ROLES) as fc.Arbitrary<Tokens['refreshToken']['role']> }),
  })

  it('reads well-formed tokens among junk keys (__proto__ included) exactly, and only for their own client id', () => {
    fc.assert(fc.property(
      cleanTokens,
      fc.record({ top: harmlessExtras, access: harmlessExtras, refresh: harmlessExtras }),
      fc.boolean(),
      fc.oneof(fc.constant(OTHER_CLIENT_ID), fc.uuid(), anyString),
      (tokens, more, wrapped, otherClientId) => {
        const access = object(['value', quoted(tokens.accessToken.value)], ['expiresAt', text(JSON.stringify(tokens.accessToken.expiresAt))], ...more.access)
        const refresh = object(['value', quoted(tokens.refreshToken.value)], ['role', quoted(tokens.refreshToken.role)], ...more.refresh)
        const bare = object(['accessToken', access], ['refreshToken', refresh], ...more.top)
        const raw = textOf(wrapped ? object(['clientId', quoted(CLIENT_ID)], ['tokens', bare], ...more.top) : bare)
        const result = decodeStoredSession(raw, CLIENT_ID)
        expectPrototypesUntouched()
        expect(result).toEqual(tokens)
        expectCleanTokens(result!)
        if (wrapped && otherClientId !== CLIENT_ID) expect(decodeStoredSession(raw, otherClientId)).toBeNull()
      },
    ), RUNS)
  })
})

// --- setTokens / generateVisitorTokens over generated arguments -------------------------------------

const FIELDS = ['tokens', 'accessToken', 'refreshToken', 'accessToken.value', 'accessToken.expiresAt', 'refreshToken.value', 'refreshToken.role']
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null

/** The fields of `input` that break the documented `Tokens` shape: what a TypeError may name. */
function wrongFields(input: unknown): string[] {
  if (!isObject(input)) return ['tokens']
  const wrong: string[] = []
  const { accessToken: access, refreshToken: refresh } = input
  if (!isObject(access)) wrong.push('accessToken')
  else {
    // The access token goes into a header: visible ASCII only. No Date holds an expiry past 8.64e12 s.
    if (typeof access.value !== 'string' || !ASCII_TOKEN.test(access.value)) wrong.push('accessToken.value')
    if (typeof access.expiresAt !== 'number' || !Number.isFinite(access.expiresAt) || access.expiresAt < 0 || access.expiresAt > 8.64e12) wrong.push('accessToken.expiresAt')
  }
  if (!isObject(refresh)) wrong.push('refreshToken')
  else {
    if (typeof refresh.value !== 'string' || refresh.value === '') wrong.push('refreshToken.value')
    if (!ROLES.includes(refresh.role as string)) wrong.push('refreshToken.role')
  }
  return wrong
}

/** Values JSON never gives but code may: NaN, infinities, -0, bigint, symbols, boxed values, dates, maps… */
const strangeValue = fc.oneof(
  fc.anything({
    maxDepth: 2, withNullPrototype: true, withBigInt: true, withBoxedValues: true, withDate: true,
    withMap: true, withSet: true, withTypedArray: true, withSparseArray: true, withUnicodeString: true,
  }),
  fc.constantFrom<unknown>(Number.NaN, Infinity, -Infinity, -0, -1, Number.MAX_VALUE, Number.MIN_VALUE, 1e21, 8.64e12 + 1,
    Symbol('s'), undefined, null, ''),
  // Fresh objects each time, so no run sees what another did to them.
  fc.constantFrom<() => unknown>(() => () => 'fn', () => [], () => ({}), () => new String('visitor'), () => Object.create(null)).map(make => make()),
)

type Shape = 'plain' | 'null-prototype' | 'inherited' | 'array' | 'instance'
class Holder {
  readonly note = 'a class instance'
}

/** An object holding `fields` (own keys, even `__proto__`), shaped one of several ways. */
function build(fields: [string, unknown][], shape: Shape): object {
  const own = (target: object) => {
    for (const [name, value] of fields) {
      // An array's own `length` cannot be redefined (defineProperty throws): array-shaped inputs leave that field out.
      if (Array.isArray(target) && name === 'length') continue
      Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true })
    }
    return target
  }
  switch (shape) {
    case 'null-prototype': return own(Object.create(null))
    case 'inherited': return Object.create(own({}))
    case 'array': return own([])
    case 'instance': return own(new Holder())
    default: return own({})
  }
}

const shape = fc.constantFrom<Shape>('plain', 'plain', 'plain', 'null-prototype', 'inherited', 'array', 'instance')
const jsExtras = fc.array(fc.tuple(key, strangeValue), { maxLength: 3 })

/** An object of `fields` (each may be missing) plus extras, in any shape. */
function jsObjectOf(fields: fc.Arbitrary<[string, unknown] | null>[]) {
  return fc.tuple(fc.tuple(...fields), jsExtras, shape).map(([own, more, how]) => build([...own.filter(entry => entry !== null), ...more], how))
}

function jsField(name: string, good: fc.Arbitrary<unknown>) {
  return fc.oneof(
    { weight: 24, arbitrary: good.map(value => [name, value] as [string, unknown]) },
    { weight: 2, arbitrary: strangeValue.map(value => [name, value] as [string, unknown]) },
    { weight: 1, arbitrary: fc.constant(null) },
  )
}

/** Refresh tokens the stand-in knows, so some renewals succeed. */
const known = Array.from({ length: 8 }, () => standIn.createVisitor().refreshToken.value)

const jsExpiresAt = fc.oneof(
  fc.constant('past'), fc.constant('future'),
  fc.integer({ min: 0, max: 2 ** 32 }), fc.double({ min: 0, max: 8.64e12, noNaN: true }), fc.double(),
)
const inputArbitrary = fc.oneof(
  {
    weight: 8,
    arbitrary: jsObjectOf([
      jsField('accessToken', jsObjectOf([
        jsField('value', fc.oneof({ weight: 3, arbitrary: tokenString }, anyString, fc.constant(''))),
        jsField('expiresAt', jsExpiresAt),
      ])),
      jsField('refreshToken', jsObjectOf([
        jsField('value', fc.oneof(anyString, fc.constantFrom(...known), fc.constant(''))),
        jsField('role', fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...ROLES) }, fc.constantFrom('Visitor', 'admin', '__proto__', 'toString'))),
      ])),
    ]),
  },
  { weight: 1, arbitrary: strangeValue },
  { weight: 1, arbitrary: rawStored.map((raw) => {
    try {
      return JSON.parse(raw) as unknown
    }
    catch {
      return raw
    }
  }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, undefined, 0, false, '') },
  // The SDK's empty value.
  { weight: 1, arbitrary: fc.constant(null).map(() => ({ accessToken: { value: '', expiresAt: 0 }, refreshToken: { value: '', role: 'none' } })) },
)

/** Turns the 'past' / 'future' placeholders into times relative to now, in place (objects are fresh per run). */
function settleTimes(input: unknown): unknown {
  const access = isObject(input) && isObject(input.accessToken) ? input.accessToken : null
  if (access && 'expiresAt' in access) {
    if (access.expiresAt === 'past') access.expiresAt = now() - 600
    if (access.expiresAt === 'future') access.expiresAt = now() + 3600
  }
  return input
}

function createSession(tokens: Tokens | null = null) {
  const persisted: (Tokens | null)[] = []
  const session = new VisitorSession({
    clientId: CLIENT_ID,
    apiBaseUrl: standIn.url,
    timeout: 2000,
    autoGenerate: false,
    renewBeforeExpiry: 0,
    tokens,
    persist: (value) => {
      persisted.push(value)
    },
  })
  return { session, persisted }
}

/** Expects the error to be a TypeError naming one of the input's wrong fields, after `label`. */
function expectFieldTypeError(error: unknown, label: string, input: unknown) {
  expect(error).toBeInstanceOf(TypeError)
  const message = (error as TypeError).message
  expect(message.startsWith(`${label}: `)).toBe(true)
  const named = message.slice(label.length + 2).split(' ')[0]!
  expect(FIELDS).toContain(named)
  expect(wrongFields(input)).toContain(named)
}

/** The clean copy `input` must become: its documented fields, nothing else. */
function cleanCopyOf(input: Record<string, unknown>): Tokens {
  const access = input.accessToken as Record<string, unknown>
  const refresh = input.refreshToken as Record<string, unknown>
  return {
    accessToken: { value: access.value as string, expiresAt: access.expiresAt as number },
    refreshToken: { value: refresh.value as string, role: refresh.role as Tokens['refreshToken']['role'] },
  }
}

const startWith = fc.oneof(fc.constant(null), fc.constant('visitor'))

describe('VisitorSession input validation over generated arguments', () => {
  it('setTokens: a TypeError naming a wrong field, or a clean valid copy; never a request, never a prototype touched', () => {
    const seen = { accepted: 0, refused: 0 }
    fc.assert(fc.property(inputArbitrary, startWith, (generated, start) => {
      const input = settleTimes(generated)
      const initial = start ? standIn.createVisitor() : null
      const { session, persisted } = createSession(initial)
      const wrong = wrongFields(input)
      let result: Tokens | undefined
      let thrown: unknown
      try {
        result = session.setTokens(input as never)
      }
      catch (error) {
        thrown = error
      }
      expectPrototypesUntouched()
      expect(standIn.state.tokenRequests).toHaveLength(0)
      expect(session.error).toBeNull()
      if (thrown !== undefined) {
        seen.refused++
        expectFieldTypeError(thrown, 'useWixVisitor().setTokens', input)
        expect(session.tokens).toBe(initial)
        expect(persisted).toEqual([])
        return
      }
      seen.accepted++
      expect(wrong).toEqual([])
      expectCleanTokens(result!)
      expect(result).not.toBe(input)
      expect(result).toEqual(cleanCopyOf(input as Record<string, unknown>))
      expect(session.getTokens()).toEqual(result)
      expect(persisted).toEqual([result])
    }), RUNS)
    console.log(`setTokens: ${seen.accepted} accepted, ${seen.refused} refused with a TypeError`)
    // Both outcomes are well exercised; about one input in ten is valid, so a bound near 100 would fail by chance.
    expect(Math.min(seen.accepted, seen.refused)).toBeGreaterThan(40)
  })

  it('generateVisitorTokens: a TypeError naming a wrong field, or a clean valid session reached with the documented requests', async () => {
    const seen = { refused: 0, kept: 0, renewed: 0, minted: 0 }
    await fc.assert(fc.asyncProperty(inputArbitrary, startWith, async (generated, start) => {
      standIn.reset()
      const input = settleTimes(generated) as Record<string, unknown> | null | undefined
      const initial = start ? standIn.createVisitor() : null
      const { session, persisted } = createSession(initial)
      const refreshValue = (input as { refreshToken?: { value?: unknown } } | null | undefined)?.refreshToken?.value
      const hasRefresh = !!input && typeof refreshValue === 'string' && refreshValue !== ''
      const wrong = hasRefresh ? wrongFields(input) : []
      const calledAt = now()
      let result: Tokens | undefined
      let thrown: unknown
      try {
        result = await session.generateVisitorTokens(input as never)
      }
      catch (error) {
        thrown = error
      }
      expectPrototypesUntouched()
      const requests = standIn.state.tokenRequests.map(request => request.grantType)
      if (thrown !== undefined) {
        // Only invalid arguments may fail: the stand-in answers every request.
        seen.refused++
        expectFieldTypeError(thrown, 'useWixVisitor().generateVisitorTokens', input)
        expect(wrong.length).toBeGreaterThan(0)
        expect(requests).toEqual([])
        expect(session.tokens).toBe(initial)
        expect(session.error).toBeNull()
        expect(persisted).toEqual([])
        return
      }
      expect(wrong).toEqual([])
      expectCleanTokens(result!)
      expect(session.getTokens()).toEqual(result)
      expect(persisted.at(-1)).toEqual(result)
      if (!hasRefresh) {
        // No refresh token (null, garbage, the SDK's empty value): exactly one new visitor.
        seen.minted++
        expect(requests).toEqual(['anonymous'])
        expect(result!.refreshToken.role).toBe('visitor')
        expect(known).not.toContain(result!.refreshToken.value)
        return
      }
      const clean = cleanCopyOf(input as Record<string, unknown>)
      const expiresAt = clean.accessToken.expiresAt
      // Too close to the second the session compared against to call: no verdict on which side it fell.
      if (Math.abs(expiresAt - calledAt) <= 2) return
      if (clean.accessToken.value && expiresAt >= calledAt) {
        seen.kept++
        expect(requests).toEqual([])
        expect(result).toEqual(clean)
        return
      }
      expect(requests[0]).toBe('refresh_token')
      expect(standIn.state.tokenRequests[0]!.refreshToken).toBe(clean.refreshToken.value)
      if (known.includes(clean.refreshToken.value)) {
        seen.renewed++
        expect(requests).toEqual(['refresh_token'])
        expect(result!.refreshToken).toEqual(clean.refreshToken)
        expect(result!.accessToken.expiresAt).toBeGreaterThan(calledAt)
      }
      else {
        // Wix rejects the unknown refresh token: a new visitor, and a member's end is said.
        seen.minted++
        expect(requests).toEqual(['refresh_token', 'anonymous'])
        expect(result!.refreshToken.role).toBe('visitor')
        expect(result!.refreshToken.value).not.toBe(clean.refreshToken.value)
        expect(session.error?.reason).toBe(clean.refreshToken.role === 'member' ? 'member_ended' : undefined)
      }
    }), RUNS)
    console.log(`generateVisitorTokens: ${seen.refused} refused, ${seen.kept} kept without a request, ${seen.renewed} renewed, ${seen.minted} minted`)
    expect(Math.min(seen.refused, seen.kept, seen.renewed, seen.minted)).toBeGreaterThan(20)
  })
})
