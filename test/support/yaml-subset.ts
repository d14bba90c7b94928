// A small reader of the YAML subset that docker-compose.yml and deploy/k8s/*.yaml keep to (see their headers),
// shared by the drift tests so that no YAML library is needed: block maps and lists (list items may be maps),
// flow lists, quoted or plain scalars, `{}`, literal block scalars (`|`, `|-`), comments, and `---` between
// documents. No anchors, aliases, tags, merge keys or folded scalars: the reader rejects what it does not
// understand, naming the line, instead of guessing. Every scalar stays a string (`8080`, `true` included).

export type Yaml = string | null | Yaml[] | { [key: string]: Yaml };

interface Line {
  number: number;
  indent: number;
  text: string;
}

const keyPattern = /^([A-Za-z0-9_.\-/]+):(?:\s+(.*))?$/;

function stripComment(raw: string): string {
  let quote: string | undefined;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '#' && (i === 0 || /\s/.test(raw[i - 1]))) {
      return raw.slice(0, i);
    }
  }
  return raw;
}

function parseScalar(text: string, line: Line): string {
  if (text.startsWith('"')) {
    const end = text.length - 1;
    if (end < 1 || text[end] !== '"') throw new Error(`line ${line.number}: unterminated "string"`);
    return JSON.parse(text) as string;
  }
  if (text.startsWith("'")) {
    if (text.length < 2 || !text.endsWith("'")) throw new Error(`line ${line.number}: unterminated 'string'`);
    return text.slice(1, -1).replace(/''/g, "'");
  }
  if (/^[&*!|>{%@`]/.test(text)) throw new Error(`line ${line.number}: unsupported YAML construct "${text}"`);
  return text;
}

function parseFlowList(text: string, line: Line): string[] {
  const body = text.slice(1, -1).trim();
  if (!text.endsWith(']')) throw new Error(`line ${line.number}: a flow list must end on its line`);
  if (body === '') return [];
  const items: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (const c of body) {
    if (quote) {
      if (c === quote) quote = undefined;
      current += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      current += c;
    } else if (c === ',') {
      items.push(current.trim());
      current = '';
    } else {
      current += c;
    }
  }
  items.push(current.trim());
  return items.map((item) => parseScalar(item, line));
}

function parseValue(text: string, line: Line): Yaml {
  if (text === '{}') return {};
  return text.startsWith('[') ? parseFlowList(text, line) : parseScalar(text, line);
}

/** One document: `raws` are its source lines, the first of which is line `firstNumber` of the file. */
function parseDocument(raws: readonly string[], firstNumber: number): Yaml {
  let next = 0;

  /** The next line that holds structure (not blank, not only a comment), without consuming it. */
  function peek(): Line | undefined {
    while (next < raws.length) {
      const raw = raws[next];
      const text = stripComment(raw).trimEnd();
      if (text.trim() !== '') {
        if (raw.includes('\t')) throw new Error(`line ${firstNumber + next}: tabs are not allowed`);
        return { number: firstNumber + next, indent: text.length - text.trimStart().length, text: text.trimStart() };
      }
      next++;
    }
    return undefined;
  }

  function parseBlock(first: Line): Yaml {
    return first.text === '-' || first.text.startsWith('- ') ? parseList(first.indent) : parseMap(first.indent);
  }

  function nestedOrNull(parentIndent: number): Yaml {
    const following = peek();
    return following && following.indent > parentIndent ? parseBlock(following) : null;
  }

  /** `|` keeps one final newline, `|-` none; the lines are taken verbatim (no comments inside a block). */
  function parseLiteral(parentIndent: number, strip: boolean, header: Line): string {
    const collected: string[] = [];
    let blockIndent: number | undefined;
    while (next < raws.length) {
      const raw = raws[next];
      if (raw.trim() === '') {
        collected.push('');
        next++;
        continue;
      }
      const indent = raw.length - raw.trimStart().length;
      if (/^ *\t/.test(raw)) throw new Error(`line ${firstNumber + next}: tabs are not allowed in indentation`);
      if (blockIndent === undefined) {
        if (indent <= parentIndent) break;
        blockIndent = indent;
      }
      if (indent < blockIndent) break;
      collected.push(raw.slice(blockIndent));
      next++;
    }
    if (blockIndent === undefined) throw new Error(`line ${header.number}: empty block scalar`);
    while (collected.length > 0 && collected[collected.length - 1] === '') collected.pop();
    return collected.join('\n') + (strip ? '' : '\n');
  }

  function valueOf(rest: string | undefined, line: Line, indent: number): Yaml {
    if (rest === undefined) return nestedOrNull(indent);
    if (rest === '|' || rest === '|-') return parseLiteral(indent, rest === '|-', line);
    return parseValue(rest, line);
  }

  /** `first` is the content of a list item's line (`- key: value`), already peeked but not consumed. */
  function parseMap(indent: number, first?: Line): Yaml {
    const map: { [key: string]: Yaml } = {};
    let line = first ?? peek();
    while (line && line.indent >= indent) {
      if (line.indent > indent) throw new Error(`line ${line.number}: unexpected indentation`);
      const match = keyPattern.exec(line.text);
      if (!match) throw new Error(`line ${line.number}: expected "key: value", got "${line.text}"`);
      const [, key, rest] = match;
      if (key in map) throw new Error(`line ${line.number}: duplicate key "${key}"`);
      next++;
      map[key] = valueOf(rest, line, indent);
      line = peek();
    }
    return map;
  }

  function parseList(indent: number): Yaml {
    const list: Yaml[] = [];
    let line = peek();
    while (line && line.indent >= indent) {
      if (line.indent > indent || !(line.text === '-' || line.text.startsWith('- '))) {
        throw new Error(`line ${line.number}: expected "- item"`);
      }
      const item = line.text.slice(1).trimStart();
      if (item === '') {
        next++;
        list.push(nestedOrNull(indent));
      } else if (item === '|' || item === '|-') {
        next++;
        list.push(parseLiteral(indent, item === '|-', line));
      } else if (keyPattern.test(item)) {
        // A map as a list item: its keys line up with the first one, after "- ".
        list.push(parseMap(indent + line.text.length - item.length, { ...line, indent: indent + line.text.length - item.length, text: item }));
      } else {
        next++;
        list.push(parseValue(item, line));
      }
      line = peek();
    }
    return list;
  }

  const first = peek();
  if (!first) return null;
  const document = parseBlock(first);
  const rest = peek();
  if (rest) throw new Error(`line ${rest.number}: unexpected content`);
  return document;
}

/** Parses a single-document source of the subset described above; throws on anything outside it, naming the line. */
export function parseYamlSubset(source: string): Yaml {
  const documents = parseYamlDocuments(source);
  if (documents.length > 1) throw new Error(`expected one document, found ${documents.length}`);
  return documents[0] ?? null;
}

/** Parses every `---`-separated document; documents holding only comments are left out. */
export function parseYamlDocuments(source: string): Yaml[] {
  const raws = source.split('\n');
  const documents: Yaml[] = [];
  let start = 0;
  for (let i = 0; i <= raws.length; i++) {
    if (i === raws.length || /^---\s*(#.*)?$/.test(raws[i])) {
      const document = parseDocument(raws.slice(start, i), start + 1);
      if (document !== null) documents.push(document);
      start = i + 1;
    }
  }
  return documents;
}

export type YamlMap = { [key: string]: Yaml };

export function asMap(value: Yaml | undefined, what: string): YamlMap {
  if (value === null || value === undefined || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`${what} is not a map`);
  }
  return value;
}

export function asList(value: Yaml | undefined, what: string): Yaml[] {
  if (!Array.isArray(value)) throw new Error(`${what} is not a list`);
  return value;
}
