/**
 * Test helper: validate an Atom 1.0 document against the RELAX NG schema of
 * RFC 4287 Appendix B (test/fixtures/schemas/atom.rng).
 *
 * Validation runs libxml2's xmllint compiled to WebAssembly (npm package
 * `xmllint-wasm`, `--relaxng`), so no native tools are needed.
 *
 * Note: the RFC's embedded Schematron rules (feed/entry author requirement,
 * entry needs an alternate link or content) are not enforced; only the
 * RELAX NG grammar is.
 */
import { readFile } from 'node:fs/promises';
import { validateXML } from 'xmllint-wasm';

const SCHEMA_URL = new URL('../fixtures/schemas/atom.rng', import.meta.url);
const SCHEMA_FILE = 'atom.rng';
const XML_FILE = 'feed.xml';

let schemaPromise: Promise<string> | undefined;

function loadSchema(): Promise<string> {
  schemaPromise ??= readFile(SCHEMA_URL, 'utf8');
  return schemaPromise;
}

/**
 * Validates `xml` against the RFC 4287 RELAX NG schema.
 *
 * @returns the validation errors, one string per xmllint message
 *   (e.g. `feed.xml:8: element entry: Relax-NG validity error : ...`);
 *   an empty array means the document is valid. A document that is not
 *   well-formed XML yields its parser errors. Throws only if the validator
 *   itself fails (e.g. the schema cannot be compiled).
 */
export async function validateAtom(xml: string): Promise<string[]> {
  const schema = await loadSchema();
  const result = await validateXML({
    xml: [{ fileName: XML_FILE, contents: xml }],
    schema: [{ fileName: SCHEMA_FILE, contents: schema }],
    extension: 'relaxng',
  });
  if (result.valid) return [];
  const errors = result.errors
    .map((error) => error.rawMessage.trim())
    .filter((message) => message !== '' && !message.endsWith(`${XML_FILE} fails to validate`));
  // Never report "invalid" with an empty list: fall back to the raw output.
  return errors.length > 0 ? errors : [result.rawOutput.trim() || 'xmllint: document is invalid'];
}
