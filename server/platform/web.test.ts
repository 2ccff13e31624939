import { describe, expect, it } from 'vitest';
import { withPageMeta } from './web.ts';

const INDEX = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="description" content="Generic." />
    <title>UsefulWriter</title>
    <script type="module" src="/assets/index-abc.js"></script>
  </head>
  <body><div id="root"></div></body>
</html>`;

describe('withPageMeta', () => {
  const meta = {
    title: `</title><script>alert(1)</script> "Q" & 'A'`,
    description: `"><img src=x onerror=alert(1)>`,
    url: 'https://learn.example.test/courses/q-and-a',
    imageUrl: 'https://img.example.test/a.png?x=1&y="2"',
  };

  it('replaces the generic title and description and adds the share tags, every value escaped', () => {
    const html = withPageMeta(INDEX, meta);
    expect(html.match(/<title>/g)).toHaveLength(1);
    expect(html.match(/name="description"/g)).toHaveLength(1);
    expect(html).not.toContain('Generic.');
    expect(html).toContain(
      '<title>&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt; &quot;Q&quot; &amp; &#39;A&#39; · UsefulWriter</title>',
    );
    expect(html).toContain(
      '<meta name="description" content="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" />',
    );
    expect(html).toContain(
      '<meta property="og:image" content="https://img.example.test/a.png?x=1&amp;y=&quot;2&quot;" />',
    );
    expect(html).toContain('<meta name="twitter:card" content="summary_large_image" />');
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img');
    // Everything else of the page is untouched: the app still loads.
    expect(html).toContain('<script type="module" src="/assets/index-abc.js"></script>');
    expect(html.indexOf('og:title')).toBeLessThan(html.indexOf('</head>'));
  });

  it('uses a small card and no og:image without an image', () => {
    const html = withPageMeta(INDEX, { ...meta, imageUrl: null });
    expect(html).not.toContain('og:image');
    expect(html).toContain('<meta name="twitter:card" content="summary" />');
  });
});
