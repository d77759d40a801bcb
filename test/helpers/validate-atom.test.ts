import { describe, expect, it } from 'vitest';
import { validateAtom } from './validate-atom.js';

const FEED_ID = '<id>urn:uuid:60a76c80-d399-11d9-b93c-0003939e0af6</id>';
const FEED_TITLE = '<title>Example Feed</title>';
const FEED_UPDATED = '<updated>2003-12-13T18:30:02Z</updated>';
const FEED_AUTHOR = '<author><name>John Doe</name></author>';

const ENTRY_ID = '<id>urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a</id>';
const ENTRY_TITLE = '<title>Atom-Powered Robots Run Amok</title>';
const ENTRY_UPDATED = '<updated>2003-12-13T18:30:02Z</updated>';
const ENTRY_LINK = '<link href="http://example.org/2003/12/13/atom03"/>';

function entry(parts: string[] = [ENTRY_ID, ENTRY_TITLE, ENTRY_UPDATED, ENTRY_LINK]): string {
  return `<entry>\n    ${parts.join('\n    ')}\n  </entry>`;
}

function feed(children: string[] = [FEED_ID, FEED_TITLE, FEED_UPDATED, FEED_AUTHOR, entry()], extraNamespaces = ''): string {
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<feed xmlns="http://www.w3.org/2005/Atom"${extraNamespaces}>`,
    ...children.map((child) => `  ${child}`),
    '</feed>',
    '',
  ].join('\n');
}

describe('validateAtom (RFC 4287 RELAX NG schema)', () => {
  it('accepts a minimal valid Atom feed', async () => {
    expect(await validateAtom(feed())).toEqual([]);
  });

  it('rejects a feed missing <updated>', async () => {
    const errors = await validateAtom(feed([FEED_ID, FEED_TITLE, FEED_AUTHOR, entry()]));
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.join('\n')).toMatch(/updated/);
  });

  it('rejects an entry missing <title>', async () => {
    const errors = await validateAtom(feed([FEED_ID, FEED_TITLE, FEED_UPDATED, FEED_AUTHOR, entry([ENTRY_ID, ENTRY_UPDATED, ENTRY_LINK])]));
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.join('\n')).toMatch(/Relax-NG validity error/);
  });

  it('rejects an <entry> placed before the feed metadata', async () => {
    // RFC 4287: atom:entry elements follow all of the feed's metadata elements.
    const errors = await validateAtom(feed([entry(), FEED_ID, FEED_TITLE, FEED_UPDATED, FEED_AUTHOR]));
    expect(errors.length).toBeGreaterThan(0);
  });

  it('rejects an unknown element in the Atom namespace', async () => {
    const errors = await validateAtom(feed([FEED_ID, FEED_TITLE, FEED_UPDATED, FEED_AUTHOR, '<tagline>not Atom 1.0</tagline>', entry()]));
    expect(errors.length).toBeGreaterThan(0);
  });

  it('rejects a date construct that is not an xsd:dateTime', async () => {
    const errors = await validateAtom(feed([FEED_ID, FEED_TITLE, '<updated>13 Dec 2003</updated>', FEED_AUTHOR, entry()]));
    expect(errors.length).toBeGreaterThan(0);
  });

  it('reports parser errors for malformed XML', async () => {
    const errors = await validateAtom('<feed xmlns="http://www.w3.org/2005/Atom"><id>x</id');
    expect(errors.length).toBeGreaterThan(0);
  });

  it('rejects a document that is not Atom', async () => {
    const errors = await validateAtom('<rss version="2.0"><channel/></rss>');
    expect(errors.length).toBeGreaterThan(0);
  });

  it('accepts extension elements and attributes in other namespaces', async () => {
    const namespaces = ' xmlns:media="http://search.yahoo.com/mrss/" xmlns:webfeeds="http://webfeeds.org/rss/1.0"';
    const xml = feed(
      [
        '<webfeeds:icon>https://example.org/icon.png</webfeeds:icon>',
        FEED_ID,
        FEED_TITLE,
        '<webfeeds:accentColor>00FF00</webfeeds:accentColor>',
        FEED_UPDATED,
        FEED_AUTHOR,
        entry([
          ENTRY_ID,
          ENTRY_TITLE,
          ENTRY_UPDATED,
          '<link href="http://example.org/a" media:extra="1"/>',
          '<media:thumbnail url="https://example.org/thumb.png" width="120" height="90"/>',
          '<media:group><media:content url="https://example.org/v.mp4" type="video/mp4"/></media:group>',
        ]),
      ],
      namespaces,
    );
    expect(await validateAtom(xml)).toEqual([]);
  });

  it('accepts an entry with xhtml content and other optional elements', async () => {
    const xml = feed([
      FEED_ID,
      FEED_TITLE,
      '<subtitle type="html">A &lt;em&gt;lot&lt;/em&gt; of effort</subtitle>',
      FEED_UPDATED,
      FEED_AUTHOR,
      '<link rel="self" type="application/atom+xml" href="http://example.org/feed.atom"/>',
      '<generator uri="https://example.org/broadsheet" version="0.1.0">Broadsheet</generator>',
      '<rights>© 2005 Example</rights>',
      entry([
        ENTRY_ID,
        ENTRY_TITLE,
        ENTRY_UPDATED,
        '<published>2003-12-13T08:29:29-04:00</published>',
        '<link rel="alternate" type="text/html" hreflang="en" href="http://example.org/a"/>',
        '<category term="robots" label="Robots"/>',
        '<summary>Some text.</summary>',
        '<content type="xhtml" xml:lang="en"><div xmlns="http://www.w3.org/1999/xhtml"><p><i>[Update: The Atom draft is finished.]</i></p></div></content>',
      ]),
    ]);
    expect(await validateAtom(xml)).toEqual([]);
  });

  it('accepts an Atom Entry Document', async () => {
    const xml = `<?xml version="1.0" encoding="utf-8"?>\n<entry xmlns="http://www.w3.org/2005/Atom">${ENTRY_ID}${ENTRY_TITLE}${ENTRY_UPDATED}${ENTRY_LINK}${FEED_AUTHOR}</entry>\n`;
    expect(await validateAtom(xml)).toEqual([]);
  });
});
