import type { EntityTag } from '../../src/http/entity-tag.ts'

/** Returns the strong entity-tag `"<opaque>"`. */
export const S = (opaque: string): EntityTag => ({ weak: false, opaque })

/** Returns the weak entity-tag `W/"<opaque>"`. */
export const W = (opaque: string): EntityTag => ({ weak: true, opaque })

/** The Last-Modified the tables use, in epoch seconds: RFC 9110's example date, Sun, 06 Nov 1994 08:49:37 GMT. */
export const LM = 784111777

/** LM as an IMF-fixdate. */
export const AT_LM = 'Sun, 06 Nov 1994 08:49:37 GMT'
/** One second before LM. */
export const BEFORE_LM = 'Sun, 06 Nov 1994 08:49:36 GMT'
/** One second after LM. */
export const AFTER_LM = 'Sun, 06 Nov 1994 08:49:38 GMT'
