/** How deep and how wide a JSON body may be before any object is built from it. */
export interface JsonShapeBounds {
  /** Nesting of arrays and objects: `{"a":[1]}` is 2 deep. */
  readonly maxDepth: number;
  /** Elements of any one array. */
  readonly maxArrayLength: number;
}

const OPEN_OBJECT = 0x7b; // {
const CLOSE_OBJECT = 0x7d; // }
const OPEN_ARRAY = 0x5b; // [
const CLOSE_ARRAY = 0x5d; // ]
const COMMA = 0x2c;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const SPACE = 0x20;
const TAB = 0x09;
const NEWLINE = 0x0a;
const RETURN = 0x0d;

/**
 * One pass over the raw text, counting brackets and commas outside strings: the first bound the body breaks, or
 * null. It runs before JSON.parse and class-validator, whose recursion (one stack frame per level, one
 * validation per element) is what a deep or wide body attacks; it allocates nothing but a small stack of
 * counters (one per open array, at most `maxDepth`). It does not check that the text is JSON: the parser does.
 */
export function jsonShapeProblem(text: string, bounds: JsonShapeBounds): string | null {
  // For each open array: elements seen so far (0 while it is still empty); objects push -1.
  const counts: number[] = [];
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
      continue;
    }
    if (c === SPACE || c === NEWLINE || c === RETURN || c === TAB) continue;
    const top = counts.length - 1;
    // The first non-blank character inside an array starts its first element.
    if (top >= 0 && counts[top] === 0 && c !== CLOSE_ARRAY) {
      counts[top] = 1;
      if (bounds.maxArrayLength < 1) return tooLong(bounds);
    }
    switch (c) {
      case QUOTE:
        inString = true;
        break;
      case OPEN_OBJECT:
      case OPEN_ARRAY:
        if (counts.length >= bounds.maxDepth) return `the body is nested deeper than ${bounds.maxDepth} levels`;
        counts.push(c === OPEN_ARRAY ? 0 : -1);
        break;
      case CLOSE_OBJECT:
      case CLOSE_ARRAY:
        counts.pop();
        break;
      case COMMA:
        if (top >= 0 && counts[top]! > 0 && ++counts[top]! > bounds.maxArrayLength) {
          return tooLong(bounds);
        }
        break;
    }
  }
  return null;
}

const tooLong = (bounds: JsonShapeBounds) => `an array of the body has more than ${bounds.maxArrayLength} elements`;
