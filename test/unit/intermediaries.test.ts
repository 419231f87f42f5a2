import { test } from 'node:test'
import assert from 'node:assert/strict'
import { intermediaryEvidence, type IntermediaryEvidence } from '../../src/diagnosis/intermediaries.ts'

const cases: { name: string; input: Record<string, string | string[]>; want: IntermediaryEvidence }[] = [
  { name: 'a direct client: no signals', input: { host: 'api', 'user-agent': 'curl/8' }, want: { signals: [], name: undefined } },
  { name: 'Cloudflare: CF-Ray and CDN-Loop', input: { 'cf-ray': '8a1b-AMS', 'cdn-loop': 'cloudflare', 'x-forwarded-for': '1.2.3.4' }, want: { signals: ['cdn-loop', 'x-forwarded-for', 'cf-ray'], name: 'cloudflare' } },
  { name: 'CloudFront: X-Amz-Cf-Id and Via', input: { via: '1.1 abc.cloudfront.net (CloudFront)', 'x-amz-cf-id': 'x' }, want: { signals: ['via', 'x-amz-cf-id'], name: 'cloudfront' } },
  { name: 'Fastly: Fastly-FF prefix', input: { 'fastly-ff': 'x!AMS!cache-ams1', 'cdn-loop': 'Fastly' }, want: { signals: ['cdn-loop', 'fastly-ff'], name: 'fastly' } },
  { name: 'Akamai: Akamai-Origin-Hop', input: { 'akamai-origin-hop': '2', 'true-client-ip': '1.2.3.4' }, want: { signals: ['true-client-ip', 'akamai-origin-hop'], name: 'akamai' } },
  { name: 'Azure Front Door: X-Azure-Ref', input: { 'x-azure-ref': '0abc', via: '1.1 Azure' }, want: { signals: ['via', 'x-azure-ref'], name: 'azure-front-door' } },
  { name: 'Bunny: CDN-ServerId', input: { 'cdn-serverid': '123' }, want: { signals: ['cdn-serverid'], name: 'bunnycdn' } },
  { name: 'Varnish named in Via', input: { via: '1.1 varnish (Varnish/7.1)' }, want: { signals: ['via'], name: 'varnish' } },
  { name: 'an unnamed proxy in Via', input: { via: '1.1 gateway' }, want: { signals: ['via'], name: 'proxy' } },
  { name: 'X-Forwarded-For alone: a hop, no name', input: { 'x-forwarded-for': '10.0.0.1' }, want: { signals: ['x-forwarded-for'], name: undefined } },
  { name: 'RFC 7239 Forwarded', input: { forwarded: 'for=192.0.2.60;proto=http' }, want: { signals: ['forwarded'], name: undefined } },
  { name: 'several Via lines', input: { via: ['1.1 a', '1.1 b.cloudfront.net'] }, want: { signals: ['via'], name: 'cloudfront' } }
]

for (const c of cases) {
  test(`intermediaryEvidence: ${c.name}`, () => {
    assert.deepEqual(intermediaryEvidence(c.input), c.want)
  })
}
