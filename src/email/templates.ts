// Load the digest email templates (Liquid in front of MJML) once, and check them before any use. I/O.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Liquid } from 'liquidjs';
import { mjml2html } from './mjml.js';
import { TemplateError } from '../errors.js';
import { liquidError } from '../shared/liquid.js';
import { MAIN_MJML, MAIN_TEXT, mjmlError, type Templates } from './template-names.js';

export { MAIN_MJML, MAIN_NAME, MAIN_TEXT, mjmlError, type Templates } from './template-names.js';

const LIQUID_OPTIONS = {
  strictFilters: true,
  // A misspelt variable is an error, not an empty string; `{% if missing %}` is still just false.
  strictVariables: true,
  lenientIf: true,
  ownPropertyOnly: true,
  // Parsed once per load (a changed template file means a new load), not once per render.
  cache: true,
} as const;

export async function loadTemplates(dir: string, subject: string): Promise<Templates> {
  const sources = await readTemplateFiles(dir);
  for (const required of [MAIN_MJML, MAIN_TEXT, 'confirm.mjml.liquid', 'confirm.txt.liquid', 'welcome.mjml.liquid', 'welcome.txt.liquid']) {
    if (!(required in sources)) {
      throw new TemplateError({
        file: path.join(dir, required),
        message: 'is missing',
        hint: 'restore it from the Broadsheet repository or point paths.templates at a complete folder',
      });
    }
  }
  const mjmlSources = Object.fromEntries(Object.entries(sources).filter(([name]) => name.endsWith('.mjml.liquid')));
  const mjml = new Liquid({ ...LIQUID_OPTIONS, templates: mjmlSources, extname: '.mjml.liquid', outputEscape: 'escape' });
  const text = new Liquid({ ...LIQUID_OPTIONS, templates: sources, extname: '.txt.liquid' });
  for (const [name, source] of Object.entries(sources)) {
    try {
      (name.endsWith('.mjml.liquid') ? mjml : text).parse(source, name);
    } catch (cause) {
      throw liquidError(dir, cause);
    }
  }
  try {
    text.parse(subject, 'email.subject');
  } catch (cause) {
    throw new TemplateError({ file: 'config', field: 'email.subject', message: `is not a valid template: ${(cause as Error).message}`, cause });
  }
  for (const [name, source] of Object.entries(mjmlSources)) await checkMjmlStructure(dir, name, source);
  return { dir, mjml, text, subject };
}

async function readTemplateFiles(dir: string): Promise<Record<string, string>> {
  let entries: string[];
  try {
    entries = await readdir(dir, { recursive: true });
  } catch (cause) {
    throw new TemplateError({ file: dir, message: 'cannot read the templates folder', hint: 'check paths.templates', cause });
  }
  const sources: Record<string, string> = {};
  for (const entry of entries
    .map((e) => e.split(path.sep).join('/'))
    .filter((e) => e.endsWith('.liquid'))
    .sort()) {
    sources[entry] = await readFile(path.join(dir, entry), 'utf8');
  }
  return sources;
}

/**
 * Check a template's MJML structure at MJML's strict level, before any digest is rendered, so an
 * error names the template file and its own line. Liquid tags are blanked out (keeping line count)
 * and values replaced by "1", which every MJML attribute accepts.
 */
async function checkMjmlStructure(dir: string, name: string, source: string): Promise<void> {
  const blanked = source.replace(/\{%-?[\s\S]*?-?%\}/g, (tag) => '\n'.repeat(tag.split('\n').length - 1)).replace(/\{\{-?[\s\S]*?-?\}\}/g, '1');
  const isMain = !name.includes('/'); // top-level files are whole documents, partials/ hold fragments
  // A partial that starts with a body-level tag holds sections; any other (a post card) holds column
  // content. The wrapper stays on the partial's first line so MJML's line numbers are the file's.
  const holdsSections = /^\s*<mj-(section|wrapper|hero|raw)[\s/>]/.test(blanked);
  const doc = isMain
    ? blanked
    : holdsSections
      ? `<mjml><mj-body>${blanked}</mj-body></mjml>`
      : `<mjml><mj-body><mj-section><mj-column>${blanked}</mj-column></mj-section></mj-body></mjml>`;
  try {
    await mjml2html(doc, { validationLevel: 'strict', keepComments: false });
  } catch (cause) {
    throw mjmlError(path.join(dir, name), cause);
  }
}
