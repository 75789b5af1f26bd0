// Results are made by JSON.parse of JSON text written off the JS thread when JSON can say them
// exactly, and by Node-API calls otherwise (src/results.rs, src/call.rs). The hidden
// __testResultsBothWays() makes every result variant, with and without its optional fields,
// both ways: they must be the same values, key for key, in the same order, with the same
// property attributes and prototypes. Values JSON cannot say as Node-API makes them (an integer
// beyond 2^53, a __proto__ key, deep nesting) must be left to Node-API.
'use strict'
const native = require('../native.js')

/** Throws unless `a` and `b` are the same value, down to key order and property attributes. */
function same(a, b, path = '$') {
  if (typeof a !== typeof b) throw new Error(`${path}: ${typeof a} vs ${typeof b}`)
  if (a === null || typeof a !== 'object') {
    if (!Object.is(a, b)) throw new Error(`${path}: ${String(a)} vs ${String(b)}`)
    return
  }
  if (b === null) throw new Error(`${path}: object vs null`)
  if (Array.isArray(a) !== Array.isArray(b)) throw new Error(`${path}: array vs object`)
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) throw new Error(`${path}: prototypes differ`)
  const ka = Reflect.ownKeys(a)
  const kb = Reflect.ownKeys(b)
  if (JSON.stringify(ka) !== JSON.stringify(kb)) throw new Error(`${path}: keys ${JSON.stringify(ka)} vs ${JSON.stringify(kb)}`)
  for (const k of ka) {
    const da = Object.getOwnPropertyDescriptor(a, k)
    const db = Object.getOwnPropertyDescriptor(b, k)
    for (const attr of ['writable', 'enumerable', 'configurable']) {
      if (da[attr] !== db[attr]) throw new Error(`${path}.${String(k)}: ${attr} ${da[attr]} vs ${db[attr]}`)
    }
    same(da.value, db.value, `${path}.${String(k)}`)
  }
}

describe('results made from JSON', () => {
  const pairs = native.__testResultsBothWays()

  test('every variant is the same value both ways', () => {
    const made = pairs.filter(([, byJson]) => byJson != null)
    // 2 × (9 send + 11 verify + 3 whoami + 3 logout) variants go through JSON.
    expect(made.length).toBe(52)
    for (const [byNapi, byJson] of made) {
      expect(() => same(byNapi, byJson)).not.toThrow()
    }
    const statuses = new Set(made.map(([r]) => r.status))
    // 9 send statuses, 6 more of verify, 2 more of whoami, 2 of logout.
    expect(statuses.size).toBe(19)
    expect(made.some(([r]) => Array.isArray(r.setCookie))).toBe(true)
    expect(made.some(([r]) => r.setCookie === undefined)).toBe(true)
  })

  test('the comparison can fail', () => {
    const [[a]] = pairs
    // Objects of the addon's realm, as both ways make them (Jest's tests run in another).
    const like = (entries) => Object.setPrototypeOf(Object.fromEntries(entries), Object.getPrototypeOf(a))
    expect(() => same(a, like(Object.entries(a)))).not.toThrow()
    expect(() => same(a, like(Object.entries({ ...a, ok: !a.ok })))).toThrow(/ok/)
    expect(() => same(a, like(Object.entries(a).reverse()))).toThrow(/keys/)
    expect(() => same(a, { ...a })).toThrow(/prototypes/)
  })

  test('values JSON cannot say are left to Node-API', () => {
    const odd = pairs.filter(([, byJson]) => byJson == null)
    expect(odd.length).toBe(10)
    const traits = odd.map(([r]) => r.identity.traits)
    expect(typeof traits[0].big).toBe('bigint')
    expect(typeof traits[2].negative).toBe('bigint')
    expect(typeof traits[4].huge).toBe('bigint')
    // Node-API sets the prototype for a __proto__ key, as it always did.
    expect(Object.getPrototypeOf(traits[6])).toEqual({ polluted: true })
    expect(Array.isArray(traits[8].deep)).toBe(true)
  })
})
