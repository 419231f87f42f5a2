import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  formatEntityTag, formatEntityTagList, parseEntityTag, parseEntityTagList, scanEntityTag, strongMatch, weakMatch,
  type EntityTag, type EntityTagList
} from '../../src/http/entity-tag.ts'
import { S, W } from '../helpers/tags.ts'

const list = (tags: EntityTag[], malformed: string[] = []): EntityTagList => ({ any: false, tags, malformed })
const ANY: EntityTagList = { any: true, tags: [], malformed: [] }

const listCases: { name: string; input: string | string[] | undefined; want: EntityTagList | undefined }[] = [
  { name: 'absent field (undefined)', input: undefined, want: undefined },
  { name: 'absent field (no field lines)', input: [], want: undefined },
  { name: 'one strong tag', input: '"abc"', want: list([S('abc')]) },
  { name: 'one weak tag', input: 'W/"abc"', want: list([W('abc')]) },
  { name: 'empty opaque-tag is a valid tag', input: '""', want: list([S('')]) },
  { name: 'weak empty opaque-tag', input: 'W/""', want: list([W('')]) },
  { name: 'two tags', input: '"a", "b"', want: list([S('a'), S('b')]) },
  { name: 'OWS around commas, tabs included', input: ' \t"a"\t,  W/"b" ', want: list([S('a'), W('b')]) },
  { name: 'no OWS at all', input: '"a","b"', want: list([S('a'), S('b')]) },
  { name: 'empty list elements are tolerated', input: '"a", , "b"', want: list([S('a'), S('b')]) },
  { name: 'leading and trailing empty elements', input: ', "a",,', want: list([S('a')]) },
  { name: 'comma inside quotes belongs to the tag', input: '"a,b"', want: list([S('a,b')]) },
  { name: 'comma inside quotes beside another tag', input: '"a,b", "c"', want: list([S('a,b'), S('c')]) },
  { name: 'backslash is etagc, not an escape', input: '"a\\"', want: list([S('a\\')]) },
  { name: 'obs-text octets are etagc', input: '"caf\u00e9"', want: list([S('caf\u00e9')]) },
  { name: '"W/x" is a strong tag whose opaque is W/x', input: '"W/x"', want: list([S('W/x')]) },
  { name: 'field lines are joined into one list', input: ['"a"', 'W/"b"'], want: list([S('a'), W('b')]) },
  { name: 'one field line with several members plus another line', input: ['"a", "b"', '"c"'], want: list([S('a'), S('b'), S('c')]) },
  { name: '* alone', input: '*', want: ANY },
  { name: '* with OWS', input: '  * ', want: ANY },
  { name: '* with only empty elements around it', input: ', * ,', want: ANY },
  { name: '* as the only field line', input: ['*'], want: ANY },
  { name: 'empty value: present with zero members', input: '', want: list([]) },
  { name: 'OWS-only value: present with zero members', input: ' \t ', want: list([]) },
  { name: 'commas only: zero members', input: ' , ,', want: list([]) },
  { name: 'one empty field line: present with zero members', input: [''], want: list([]) },
  { name: 'malformed: null placeholder', input: 'null', want: list([], ['null']) },
  { name: 'malformed: unquoted token', input: 'abc', want: list([], ['abc']) },
  { name: 'malformed: lower-case w/ (weak is %s"W/")', input: 'w/"x"', want: list([], ['w/"x"']) },
  { name: 'malformed: space inside the quotes', input: '"a b"', want: list([], ['"a b"']) },
  { name: 'malformed: OWS between W/ and the quote', input: 'W/ "x"', want: list([], ['W/ "x"']) },
  { name: 'malformed: garbage after the closing quote', input: '"a"b, "c"', want: list([S('c')], ['"a"b']) },
  { name: 'malformed: two tags without a comma', input: '"a" "b", "c"', want: list([S('c')], ['"a" "b"']) },
  { name: 'malformed: unterminated quote swallows the rest', input: '"unterminated, "b"', want: list([], ['"unterminated, "b"']) },
  { name: 'malformed: unterminated quote after a good tag', input: '"a", "b', want: list([S('a')], ['"b']) },
  { name: 'malformed member between good tags, scanning resumes', input: '"a", null, "b"', want: list([S('a'), S('b')], ['null']) },
  { name: 'malformed member keeps a quoted comma', input: 'x"1,2", "b"', want: list([S('b')], ['x"1,2"']) },
  { name: 'malformed: control character inside quotes', input: '"a\u0001"', want: list([], ['"a\u0001"']) },
  { name: 'malformed: character above obs-text inside quotes', input: '"\u20ac"', want: list([], ['"\u20ac"']) },
  { name: 'malformed: *x is not the wildcard', input: '*x', want: list([], ['*x']) },
  { name: '* mixed with a tag makes the whole field malformed', input: '*, "a"', want: list([], ['*, "a"']) },
  { name: 'a tag mixed with * makes the whole field malformed', input: '"a", *', want: list([], ['"a", *']) },
  { name: '* twice makes the whole field malformed', input: '*, *', want: list([], ['*, *']) },
  { name: '* on two field lines makes the whole field malformed', input: ['*', '*'], want: list([], ['*, *']) },
  { name: '* mixed with a malformed member', input: ' *, null ', want: list([], ['*, null']) }
]

for (const c of listCases) {
  test(`parseEntityTagList: ${c.name}`, () => {
    assert.deepEqual(parseEntityTagList(c.input), c.want)
  })
}

const oneCases: { name: string; input: string; want: EntityTag | undefined }[] = [
  { name: 'strong', input: '"xyzzy"', want: S('xyzzy') },
  { name: 'weak', input: 'W/"xyzzy"', want: W('xyzzy') },
  { name: 'empty opaque', input: '""', want: S('') },
  { name: 'OWS around', input: ' \t"a"  ', want: S('a') },
  { name: 'comma inside', input: '"a,b"', want: S('a,b') },
  { name: 'invalid: two tags (a list is not an ETag)', input: '"a", "b"', want: undefined },
  { name: 'invalid: unquoted', input: 'xyzzy', want: undefined },
  { name: 'invalid: lower-case w/', input: 'w/"a"', want: undefined },
  { name: 'invalid: unterminated', input: '"a', want: undefined },
  { name: 'invalid: only W/', input: 'W/', want: undefined },
  { name: 'invalid: empty string', input: '', want: undefined },
  { name: 'invalid: trailing garbage', input: '"a"x', want: undefined },
  { name: 'invalid: the wildcard is not an ETag', input: '*', want: undefined },
  { name: 'invalid: a lone DQUOTE', input: '"', want: undefined }
]

for (const c of oneCases) {
  test(`parseEntityTag: ${c.name}`, () => {
    assert.deepEqual(parseEntityTag(c.input), c.want)
  })
}

const scanCases: { name: string; input: string; want: { value: EntityTag; rest: string } | undefined }[] = [
  { name: 'returns the rest after the tag', input: '"a", "b"', want: { value: S('a'), rest: ', "b"' } },
  { name: 'skips leading OWS', input: '  W/"a" tail', want: { value: W('a'), rest: ' tail' } },
  { name: 'whole input consumed', input: '"a"', want: { value: S('a'), rest: '' } },
  { name: 'comma in quotes is not the end', input: '"a,b",x', want: { value: S('a,b'), rest: ',x' } },
  { name: 'invalid: starts with a comma', input: ', "a"', want: undefined },
  { name: 'invalid: W without slash', input: 'W"a"', want: undefined }
]

for (const c of scanCases) {
  test(`scanEntityTag: ${c.name}`, () => {
    assert.deepEqual(scanEntityTag(c.input), c.want)
  })
}

// RFC 9110 §8.8.3.2, the comparison table
const matchCases: { name: string; input: [EntityTag, EntityTag]; want: { strong: boolean; weak: boolean } }[] = [
  { name: 'W/"1" vs W/"1"', input: [W('1'), W('1')], want: { strong: false, weak: true } },
  { name: 'W/"1" vs W/"2"', input: [W('1'), W('2')], want: { strong: false, weak: false } },
  { name: 'W/"1" vs "1"', input: [W('1'), S('1')], want: { strong: false, weak: true } },
  { name: '"1" vs "1"', input: [S('1'), S('1')], want: { strong: true, weak: true } },
  { name: '"1" vs W/"1" (order does not matter)', input: [S('1'), W('1')], want: { strong: false, weak: true } },
  { name: '"a,b" vs "a": octet-for-octet', input: [S('a,b'), S('a')], want: { strong: false, weak: false } },
  { name: 'case matters in the opaque-tag', input: [S('abc'), S('ABC')], want: { strong: false, weak: false } }
]

for (const c of matchCases) {
  test(`strongMatch/weakMatch: ${c.name}`, () => {
    assert.equal(strongMatch(c.input[0], c.input[1]), c.want.strong)
    assert.equal(weakMatch(c.input[0], c.input[1]), c.want.weak)
  })
}

const formatCases: { name: string; input: EntityTagList; want: string }[] = [
  { name: 'wildcard', input: ANY, want: '*' },
  { name: 'strong and weak tags', input: list([S('a'), W('b')]), want: '"a", W/"b"' },
  { name: 'malformed members are not formatted', input: list([S('a')], ['null']), want: '"a"' },
  { name: 'empty list', input: list([]), want: '' },
  { name: 'empty opaque and comma opaque', input: list([S(''), S('x,y')]), want: '"", "x,y"' }
]

for (const c of formatCases) {
  test(`formatEntityTagList: ${c.name}`, () => {
    assert.equal(formatEntityTagList(c.input), c.want)
  })
}

const formatOneCases: { name: string; input: EntityTag; want: string }[] = [
  { name: 'strong', input: S('x'), want: '"x"' },
  { name: 'weak', input: W('x'), want: 'W/"x"' }
]

for (const c of formatOneCases) {
  test(`formatEntityTag: ${c.name}`, () => {
    assert.equal(formatEntityTag(c.input), c.want)
    assert.deepEqual(parseEntityTag(formatEntityTag(c.input)), c.input)
  })
}
