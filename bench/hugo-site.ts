// The Hugo reference of the post-page rows: a Hugo site over the same post files, with one page per post
// (title, date, category, body, previous/next in the section), paginated lists (the home page and each
// category) and an RSS feed of the newest 50, as Broadsheet writes them. Debian's `hugo` package.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const LIST = `<!doctype html><html><head><meta charset="utf-8"><title>{{ .Title }}</title></head><body>
<h1>{{ .Title }}</h1>
{{ range (.Paginate .Pages.ByDate.Reverse 20).Pages }}<article><h2><a href="{{ .RelPermalink }}">{{ .Title }}</a></h2>
<time datetime="{{ .Date.Format "2006-01-02T15:04:05Z07:00" }}">{{ .Date.Format "January 2, 2006" }}</time><p>{{ .Summary }}</p></article>
{{ end }}{{ template "_internal/pagination.html" . }}</body></html>
`;
const SINGLE = `<!doctype html><html><head><meta charset="utf-8"><title>{{ .Title }}</title>
<link rel="canonical" href="{{ .Permalink }}"><meta property="og:title" content="{{ .Title }}"><meta property="og:description" content="{{ .Summary | plainify }}">
</head><body><h1>{{ .Title }}</h1><time datetime="{{ .Date.Format "2006-01-02T15:04:05Z07:00" }}">{{ .Date.Format "January 2, 2006" }}</time>
{{ with .Params.category }}<a href="/categories/{{ . | urlize }}/">{{ . }}</a>{{ end }}
{{ with .Params.coverImage }}<img src="{{ . }}" alt="">{{ end }}
{{ .Content }}
{{ with .Params.source }}<p>Originally published at <a href="{{ . }}">{{ . }}</a></p>{{ end }}
{{ with .PrevInSection }}<a rel="prev" href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}
{{ with .NextInSection }}<a rel="next" href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}
</body></html>
`;

/** Whether Debian's hugo is installed (`apt-get install hugo`); the rows are left out without it. */
export function hasHugo(): boolean {
  try {
    execFileSync('hugo', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A Hugo site folder reading `corpus` as its content. */
export function makeHugoSite(dir: string, corpus: string): string {
  mkdirSync(path.join(dir, 'layouts', '_default'), { recursive: true });
  writeFileSync(
    path.join(dir, 'config.toml'),
    [
      'baseURL = "https://bench.example.com/"',
      'title = "Bench"',
      'disableKinds = ["taxonomy", "term", "section", "sitemap", "robotsTXT", "404"]',
      'rssLimit = 50',
      '[outputs]',
      '  home = ["HTML", "RSS"]',
    ].join('\n'),
  );
  // The posts as its content folder (a link: Hugo 0.111 reads no contentDir outside the site).
  rmSync(path.join(dir, 'content'), { force: true });
  symlinkSync(path.resolve(corpus), path.join(dir, 'content'));
  writeFileSync(path.join(dir, 'layouts', 'index.html'), LIST);
  writeFileSync(path.join(dir, 'layouts', '_default', 'list.html'), LIST);
  writeFileSync(path.join(dir, 'layouts', '_default', 'single.html'), SINGLE);
  return dir;
}

/** One cold Hugo build of the site into `out` (a fresh folder). */
export function buildWithHugo(dir: string, out: string): void {
  execFileSync('hugo', ['--quiet', '--source', dir, '--destination', out, '--cleanDestinationDir'], { stdio: ['ignore', 'ignore', 'inherit'] });
}
