// Digest → the email's subject, HTML (Liquid → MJML → HTML) and plain text, rendered once per digest
// with placeholders where each subscriber's own values go. Pure, given loaded templates.
import { createHash } from 'node:crypto';
import { DateTime } from 'luxon';
import { archivePath } from './archive-link.js';
import { mjml2html } from './mjml.js';
import type { Config } from '../config.js';
import type { Digest } from '../digest/build.js';
import { escapeHtml } from '../shared/html.js';
import { liquidError } from '../shared/liquid.js';
import { oneLine } from '../shared/text.js';
import { siteUrl } from '../shared/urls.js';
import { MAIN_MJML, MAIN_NAME, mjmlError, type Templates } from './template-names.js';

/** Values that differ per subscriber; the rendered email holds a placeholder for each. */
export interface Recipient {
  email: string;
  name: string | undefined;
  unsubscribeUrl: string;
  preferencesUrl: string;
}

const PERSONAL_FIELDS = ['name', 'email', 'unsubscribeUrl', 'preferencesUrl'] as const;
type PersonalField = (typeof PERSONAL_FIELDS)[number];

/** A digest email rendered once, with placeholders for the subscriber's own values. */
export interface RenderedDigestEmail {
  digestId: string;
  subject: string;
  html: string;
  text: string;
  placeholders: Record<PersonalField, string>;
}

export interface PersonalizedEmail {
  subject: string;
  html: string;
  text: string;
}

export type EmailSettings = Pick<Config, 'site' | 'email'>;

/** `signingKey` signs the "view in browser" link of a window its bare id would not serve (see archive-link.ts). */
export async function renderDigestEmail(digest: Digest, templates: Templates, config: EmailSettings, signingKey: string): Promise<RenderedDigestEmail> {
  // Placeholders carry a nonce derived from the digest, so text in a post cannot spell one in advance.
  const nonce = createHash('sha256').update(JSON.stringify(digest)).digest('hex').slice(0, 16);
  const placeholders = Object.fromEntries(PERSONAL_FIELDS.map((field) => [field, `BSPH${nonce}${field.toUpperCase()}X`])) as Record<PersonalField, string>;
  const view = digestView(digest, config, placeholders, signingKey);

  let subject: string;
  let mjml: string;
  let text: string;
  try {
    subject = oneLine(await templates.text.parseAndRender(templates.subject, view));
    mjml = await templates.mjml.renderFile(MAIN_NAME, { ...view, subject });
    text = await templates.text.renderFile(MAIN_NAME, { ...view, subject });
  } catch (cause) {
    throw liquidError(templates.dir, cause);
  }
  let html: string;
  try {
    // Minified: MJML's indentation alone is about a quarter of the bytes, and Gmail clips HTML over
    // 102 KB, hiding the footer's unsubscribe link. CSS is left as written (cssnano is not installed).
    html = (await mjml2html(mjml, { validationLevel: 'strict', keepComments: false, minify: true, minifyOptions: { minifyCss: false } })).html;
  } catch (cause) {
    throw mjmlError(`${templates.dir}/${MAIN_MJML} (as rendered)`, cause);
  }
  return { digestId: digest.id, subject, html, text: tidyText(text), placeholders };
}

/** The name a greeting uses: one line, or "there" ("Hello there,") when there is none. */
export function greetingName(name: string | null | undefined): string {
  return oneLine(name ?? '') || 'there';
}

/** Substitute one subscriber's values: HTML-escaped in the HTML, as they are in the text. */
export function personalize(email: RenderedDigestEmail, recipient: Recipient): PersonalizedEmail {
  const values: Record<PersonalField, string> = {
    name: greetingName(recipient.name),
    email: recipient.email,
    unsubscribeUrl: recipient.unsubscribeUrl,
    preferencesUrl: recipient.preferencesUrl,
  };
  let html = email.html;
  let text = email.text;
  let subject = email.subject;
  for (const field of PERSONAL_FIELDS) {
    subject = subject.replaceAll(email.placeholders[field], oneLine(values[field]));
    html = html.replaceAll(email.placeholders[field], escapeHtml(values[field]));
    text = text.replaceAll(email.placeholders[field], values[field]);
  }
  return { subject, html, text };
}

function digestView(digest: Digest, config: EmailSettings, placeholders: Record<PersonalField, string>, signingKey: string) {
  const { site, email } = config;
  const tz = digest.timezone;
  const locale = site.language;
  const lastDay = DateTime.fromISO(digest.until, { zone: tz }).minus({ milliseconds: 1 });
  const firstDay = DateTime.fromISO(digest.since, { zone: tz });
  const names = digest.sections.map((s) => s.name);
  const posts = digest.sections.flatMap((s) => s.posts);
  return {
    site: { title: site.title, url: site.url, language: site.language },
    digest: {
      id: digest.id,
      postCount: digest.postCount,
      dateRange: dateRange(firstDay, lastDay, locale),
      topCategories: listOf(names.slice(0, 3), names.length > 3),
      sections: digest.sections.map((section) => ({
        name: section.name,
        slug: section.slug,
        postCount: section.postCount,
        posts: section.posts.map((post) => ({
          title: post.title,
          url: post.url,
          excerpt: post.excerpt,
          author: post.author,
          sourceHost: post.sourceHost ?? null,
          dateLabel: DateTime.fromISO(post.date, { zone: tz }).setLocale(locale).toLocaleString(DateTime.DATE_MED),
          coverImage: post.coverImage ?? null,
          coverAlt: post.title,
          readingMinutes: post.readingMinutes,
          tags: post.tags,
        })),
      })),
    },
    preheader: posts
      .slice(0, 3)
      .map((p) => p.title)
      .join(' · '),
    cover: email.cover,
    email: { postalAddress: email.postalAddress ?? null },
    links: {
      viewInBrowser: siteUrl(site.url, archivePath(digest, signingKey)),
      feeds: siteUrl(site.url, '/feed.xml'),
      unsubscribe: placeholders.unsubscribeUrl,
      preferences: placeholders.preferencesUrl,
    },
    recipient: { name: placeholders.name, email: placeholders.email },
  };
}

function dateRange(first: DateTime, last: DateTime, locale: string): string {
  const a = first.setLocale(locale);
  const b = last.setLocale(locale);
  if (a.hasSame(b, 'day')) return b.toLocaleString(DateTime.DATE_FULL);
  // Intl's range formatter writes "23–29 November 2026" or "November 23 – 29, 2026" by locale.
  return new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'long', year: 'numeric', timeZone: first.zoneName ?? 'UTC' }).formatRange(
    a.toJSDate(),
    b.toJSDate(),
  );
}

function listOf(items: string[], more: boolean): string {
  if (items.length === 0) return '';
  if (more) return `${items.join(', ')} and more`;
  if (items.length === 1) return items[0]!;
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** Collapse the blank runs Liquid tags leave behind in the text part. */
function tidyText(text: string): string {
  return `${text
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim()}\n`;
}

/** Short transactional messages (double opt-in request, welcome): rendered per subscriber, rarely. */
export async function renderNoticeEmail(
  templates: Templates,
  config: EmailSettings,
  name: 'confirm' | 'welcome',
  input: { email: string; categories: string[]; links: Record<string, string>; validDays?: number },
): Promise<PersonalizedEmail> {
  const subject = name === 'confirm' ? `Confirm your subscription to ${oneLine(config.site.title)}` : `Welcome to ${oneLine(config.site.title)}`;
  const view = {
    site: { title: config.site.title, url: config.site.url, language: config.site.language },
    email: { postalAddress: config.email.postalAddress ?? null },
    recipient: { email: input.email, name: null },
    links: input.links,
    categories: input.categories.join(', '),
    validDays: input.validDays ?? null,
    subject,
  };
  let mjml: string;
  let text: string;
  try {
    mjml = await templates.mjml.renderFile(name, view);
    text = await templates.text.renderFile(name, view);
  } catch (cause) {
    throw liquidError(templates.dir, cause);
  }
  try {
    const { html } = await mjml2html(mjml, { validationLevel: 'strict', keepComments: false });
    return { subject, html, text: tidyText(text) };
  } catch (cause) {
    throw mjmlError(`${templates.dir}/${name}.mjml.liquid (as rendered)`, cause);
  }
}
