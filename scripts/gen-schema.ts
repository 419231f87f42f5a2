/**
 * Writes config/ifgate.schema.json from CONFIG_SCHEMA (src/config/schema.ts), the one source of
 * the schema. test/unit/schema-sync.test.ts fails when the committed file is stale.
 * Run: node scripts/gen-schema.ts
 */
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { schemaJson } from '../src/config/schema.ts'

const target = fileURLToPath(new URL('../config/ifgate.schema.json', import.meta.url))
writeFileSync(target, schemaJson())
process.stdout.write(`wrote ${target}\n`)
