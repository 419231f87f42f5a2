/**
 * Returns `fn` with its last answer remembered: called again with the same argument (`===`), it
 * answers without calling `fn`. For pure functions on the hot path whose argument repeats in a
 * busy window (the same Last-Modified, the same millisecond): one slot, no growth.
 */
export function rememberLast<A, R> (fn: (arg: A) => R): (arg: A) => R {
  let seen = false
  let lastArg: A
  let lastResult: R
  return (arg) => {
    if (!seen || arg !== lastArg) {
      lastResult = fn(arg)
      lastArg = arg
      seen = true
    }
    return lastResult
  }
}
