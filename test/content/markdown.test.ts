import { describe, expect, it } from 'vitest';
import { paragraphTexts } from '../../src/content/excerpt.js';
import { cleanBody, markdownToHtml } from '../../src/content/markdown.js';

const BASE = 'https://ex.com/posts/a/';
const render = (md: string) => markdownToHtml(cleanBody(md), BASE);

// The shape of a scraped body: furniture, whitespace-only lines, long blank runs, tab-indented lines.
const SCRAPED = [
  'In Brief',
  '',
  '',
  '',
  'Posted:',
  '',
  '\t',
  '\t\t\t',
  '   ',
  '\t\t\t\t\t\t\tJane Writer',
  '\t\t\t\t\t',
  '',
  '',
  '',
  'The first real paragraph of the story, which says what happened.',
  '',
  '\t\tA second paragraph, indented with tabs',
  '\t\tand running over two lines.',
  '',
  '',
  '',
  '',
  '',
  '\tTopics',
  '\t',
  '\t\tAI, Markets, In Brief\t',
  '',
  '',
  '',
].join('\n');

describe('cleanBody', () => {
  it('drops tab indentation, blanks whitespace-only lines and collapses blank runs', () => {
    expect(cleanBody(SCRAPED)).toBe(
      [
        'In Brief',
        '',
        'Posted:',
        '',
        'Jane Writer',
        '',
        'The first real paragraph of the story, which says what happened.',
        '',
        'A second paragraph, indented with tabs',
        'and running over two lines.',
        '',
        'Topics',
        '',
        'AI, Markets, In Brief',
      ].join('\n'),
    );
  });

  it('normalises CRLF and CR line endings and a leading byte order mark', () => {
    expect(cleanBody('\uFEFFOne\r\n\r\n\r\nTwo\rThree')).toBe('One\n\nTwo\nThree');
  });

  it('keeps two trailing spaces (a Markdown hard break) and drops other trailing white space', () => {
    expect(cleanBody('hard  \nsoft \t\nend')).toBe('hard  \nsoft\nend');
  });

  it('leaves the inside of a fenced code block untouched', () => {
    const fenced = '```js\n\tif (x) {\n\n\n\n\t\treturn 1;\n\t}\n```';
    expect(cleanBody(`Intro\n\n${fenced}\n\n\n\nOutro`)).toBe(`Intro\n\n${fenced}\n\nOutro`);
  });

  it('keeps space-indented list continuations', () => {
    expect(cleanBody('- item\n\n   continued')).toBe('- item\n\n   continued');
  });
});

describe('markdownToHtml', () => {
  it('renders a scraped body as <p> paragraphs, never <pre> or <code>', () => {
    const html = render(SCRAPED);
    expect(html).not.toContain('<pre');
    expect(html).not.toContain('<code');
    expect(html).toContain('<p>Jane Writer</p>');
    expect(html).toContain('<p>The first real paragraph of the story, which says what happened.</p>');
    expect(html).toContain('<p>A second paragraph, indented with tabs\nand running over two lines.</p>');
    expect(html.match(/<p>/g)).toHaveLength(7);
  });

  it('renders lines indented with four spaces as a paragraph, not a code block', () => {
    expect(markdownToHtml('Intro.\n\n    Indented with spaces.', BASE)).toBe('<p>Intro.</p>\n<p>Indented with spaces.</p>');
  });

  it('keeps a fenced code block as <pre><code class="language-…">', () => {
    const html = render('Some code:\n\n```ts\nconst x = 1;\n\tindented();\n```');
    expect(html).toContain('<pre><code class="language-ts">const x = 1;\n\tindented();\n</code></pre>');
  });

  it('keeps a tilde-fenced block too', () => {
    expect(render('~~~python\nprint(1)\n~~~')).toBe('<pre><code class="language-python">print(1)\n</code></pre>');
  });

  describe('sanitization', () => {
    it('removes <script> together with its text', () => {
      const html = markdownToHtml('Before <script>alert("owned")</script> after.', BASE);
      expect(html).not.toContain('<script');
      expect(html).not.toContain('alert');
      expect(html).not.toContain('owned');
      expect(html).toContain('Before');
      expect(html).toContain('after.');
    });

    it('removes <iframe> and <style> blocks', () => {
      const html = markdownToHtml('Text.\n\n<iframe src="https://evil.example/"></iframe>\n\n<style>p { color: red }</style>\n\nMore.', BASE);
      expect(html).not.toContain('<iframe');
      expect(html).not.toContain('evil.example');
      expect(html).not.toContain('<style');
      expect(html).not.toContain('color: red');
      expect(html).toContain('<p>Text.</p>');
      expect(html).toContain('<p>More.</p>');
    });

    it('removes on* event handler attributes', () => {
      const html = markdownToHtml('<p onclick="steal()" onmouseover="steal()">Click</p>\n\n<img src="https://ex.com/a.png" onerror="steal()">', BASE);
      expect(html).not.toMatch(/\son\w+=/i);
      expect(html).not.toContain('steal');
      expect(html).toContain('<p>Click</p>');
      expect(html).toContain('<img src="https://ex.com/a.png" />');
    });

    it.each([
      ['<a href="javascript:alert(1)">x</a>'],
      ['<a href="  JavaScript:alert(1)">x</a>'],
      ['<a href="data:text/html,<b>hi</b>">x</a>'],
      ['[x](javascript:alert(1))'],
      ['[x](data:text/html;base64,PGI+aGk8L2I+)'],
    ])('drops a javascript: or data: link target in %s', (md) => {
      const html = markdownToHtml(md, BASE);
      expect(html).not.toMatch(/href="\s*(javascript|data):/i);
      expect(html).not.toMatch(/<a[^>]*href/i);
    });

    it.each([
      ['<img src="javascript:alert(1)" alt="a">'],
      ['<img src="data:image/png;base64,iVBORw0KGgo=" alt="a">'],
      ['![a](data:image/png;base64,iVBORw0KGgo=)'],
    ])('drops an image whose source is a javascript: or data: URL in %s', (md) => {
      const html = markdownToHtml(md, BASE);
      expect(html).not.toContain('<img');
      expect(html).not.toMatch(/(javascript|data):/i);
    });

    it('keeps ordinary formatting and safe links', () => {
      expect(markdownToHtml('Some **bold** and [a link](https://other.org/p "Title").', BASE)).toBe(
        '<p>Some <strong>bold</strong> and <a href="https://other.org/p" title="Title">a link</a>.</p>',
      );
    });
  });

  describe('relative URLs', () => {
    it.each([
      ['[x](images/x.png)', 'https://ex.com/posts/a/images/x.png'],
      ['[x](../archive/)', 'https://ex.com/posts/archive/'],
      ['[x](/about)', 'https://ex.com/about'],
      ['<a href="/about">x</a>', 'https://ex.com/about'],
    ])('makes the link %s absolute against the post URL', (md, href) => {
      expect(markdownToHtml(md, BASE)).toContain(`<a href="${href}">x</a>`);
    });

    it.each([
      ['![pic](images/x.png)', 'https://ex.com/posts/a/images/x.png'],
      ['![pic](../shared/y.jpg)', 'https://ex.com/posts/shared/y.jpg'],
      ['<img src="/static/z.gif" alt="pic">', 'https://ex.com/static/z.gif'],
    ])('makes the image source %s absolute against the post URL', (md, src) => {
      expect(markdownToHtml(md, BASE)).toContain(`<img src="${src}" alt="pic" />`);
    });

    it('resolves #anchors against the post page: a feed reader or mail client has no page to scroll (issue 15 §3)', () => {
      expect(markdownToHtml('[jump](#section-2)', BASE)).toBe('<p><a href="https://ex.com/posts/a/#section-2">jump</a></p>');
    });

    it('leaves mailto: links alone', () => {
      expect(markdownToHtml('[write](mailto:editor@ex.com)', BASE)).toBe('<p><a href="mailto:editor@ex.com">write</a></p>');
    });

    it('leaves absolute links on other hosts alone', () => {
      expect(markdownToHtml('[elsewhere](https://other.org/x?y=1)', BASE)).toBe('<p><a href="https://other.org/x?y=1">elsewhere</a></p>');
    });
  });
});

describe('paragraphTexts', () => {
  it('gives the plain text of each top-level paragraph, in order', () => {
    const md =
      '# Heading\n\nFirst *para* with `code` and [a link](https://ex.com/).\nA soft break.\n\n- a list item\n\n> a quote\n\n```\nnot prose\n```\n\nLast.';
    expect([...paragraphTexts(md)]).toEqual(['First para with code and a link. A soft break.', 'Last.']);
  });

  it('skips paragraphs with no text, such as a lone image', () => {
    expect([...paragraphTexts('![alt](x.png)\n\nWords.')]).toEqual(['Words.']);
  });

  it('gives nothing for an empty body', () => {
    expect([...paragraphTexts('')]).toEqual([]);
  });

  it('keeps escaped characters and the text of reference links (blocks and inlines parsed with one env)', () => {
    expect([...paragraphTexts('Stars \\*not emphasis\\* and [a reference][r].\n\n[r]: https://ex.com/')]).toEqual(['Stars *not emphasis* and a reference.']);
  });

  it('gives the paragraphs one at a time, as they are asked for', () => {
    const texts = paragraphTexts('One.\n\nTwo.');
    expect(texts.next().value).toBe('One.');
    expect(texts.next().value).toBe('Two.');
    expect(texts.next().done).toBe(true);
  });
});
