// docker-compose.yml and deploy/k8s/*.yaml as plain data for the drift tests, read by the `yaml` package with
// its failsafe schema: every scalar stays a string (`8080`, `true` included), as the drift tests compare them
// with the topology's environment, which is all strings. A document YAML refuses throws, naming the problem.
import { parseAllDocuments, type Document } from 'yaml';

export type Yaml = string | null | Yaml[] | { [key: string]: Yaml };
export type YamlMap = { [key: string]: Yaml };

function toData(document: Document.Parsed): Yaml {
  if (document.errors.length > 0) throw new Error(document.errors.map((e) => e.message).join('; '));
  return document.toJS({ maxAliasCount: 0 }) as Yaml;
}

/** Every `---`-separated document of `source`; documents holding only comments are left out. */
export function parseYamlDocuments(source: string): Yaml[] {
  return parseAllDocuments(source, { schema: 'failsafe' })
    .filter((d) => d.contents !== null)
    .map(toData);
}

/** A single-document source. */
export function parseYaml(source: string): Yaml {
  const documents = parseYamlDocuments(source);
  if (documents.length > 1) throw new Error(`expected one document, found ${documents.length}`);
  return documents[0] ?? null;
}

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
