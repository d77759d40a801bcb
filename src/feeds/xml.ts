// A small XML tree round trip over xml-js (the parser `feed` itself uses), with correct escaping.
// The Atom patches (feed-patches.ts) change atom1()'s output through it. Pure.
import { xml2js, type Element } from 'xml-js';

export type { Element };

export function parseXml(xml: string): Element {
  return xml2js(xml, { compact: false, captureSpacesBetweenElements: false }) as Element;
}

const escapeText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escapeAttr = (s: string) => escapeText(s).replace(/"/g, '&quot;');

/**
 * Serialize an xml-js tree. Unlike xml-js's own js2xml, text is never "desanitized" (a literal
 * "&amp;" stays one), every attribute value is fully escaped, and every "]]>" inside CDATA is split.
 */
export function serializeXml(root: Element): string {
  const out: string[] = [];
  const decl = root.declaration?.attributes as Element['attributes'];
  if (decl) out.push(`<?xml${attrs(decl)}?>\n`);
  for (const child of root.elements ?? []) write(child, 0, out);
  return out.join('');
}

function attrs(attributes: Element['attributes']): string {
  if (!attributes) return '';
  return Object.entries(attributes)
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => ` ${k}="${escapeAttr(String(v))}"`)
    .join('');
}

function write(node: Element, depth: number, out: string[]): void {
  const indent = '  '.repeat(depth);
  switch (node.type) {
    case 'instruction':
      out.push(`${indent}<?${node.name}${node.instruction ? ` ${node.instruction}` : attrs(node.attributes)}?>\n`);
      return;
    case 'comment':
      return;
    case 'text':
      out.push(escapeText(String(node.text ?? '')));
      return;
    case 'cdata':
      out.push(cdataSection(String(node.cdata ?? '')));
      return;
    default: {
      const children = node.elements ?? [];
      if (children.length === 0) {
        out.push(`${indent}<${node.name}${attrs(node.attributes)}/>\n`);
        return;
      }
      const inline = children.every((c) => c.type === 'text' || c.type === 'cdata');
      out.push(`${indent}<${node.name}${attrs(node.attributes)}>`);
      if (inline) {
        for (const child of children) write(child, 0, out);
      } else {
        out.push('\n');
        for (const child of children) write(child, depth + 1, out);
        out.push(indent);
      }
      out.push(`</${node.name}>\n`);
    }
  }
}

/** A CDATA section holding `text` exactly: every "]]>" inside is split across two sections. */
export function cdataSection(text: string): string {
  return `<![CDATA[${text.split(']]>').join(']]]]><![CDATA[>')}]]>`;
}

export function element(name: string, attributes: Record<string, string>, text?: string): Element {
  return { type: 'element', name, attributes, ...(text === undefined ? {} : { elements: [{ type: 'text', text }] }) };
}

export function childElements(node: Element, name: string): Element[] {
  return (node.elements ?? []).filter((c) => c.type === 'element' && c.name === name);
}
