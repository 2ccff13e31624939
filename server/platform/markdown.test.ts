import { describe, expect, it } from 'vitest';
import {
  isSafeUrl,
  LINK_REL,
  markdownToText,
  renderMarkdown,
  renderMarkdownCached,
  sanitizeRenderedHtml,
} from './markdown.ts';

/**
 * Nothing executable or styling-capable may survive either layer. Checked on the real tags only:
 * escaped text such as `&lt;img onerror=…&gt;` is inert and may stay.
 */
function expectInert(html: string) {
  const tags = html.match(/<[a-z][^>]*>/gi) ?? [];
  for (const tag of tags) {
    expect(tag).toMatch(
      /^<(p|br|hr|h[1-6]|strong|em|s|blockquote|ul|ol|li|code|pre|a|img|table|thead|tbody|tr|th|td)[\s/>]/,
    );
    expect(tag).not.toMatch(/\son[a-z]+\s*=/i);
    expect(tag).not.toMatch(/(href|src)\s*=\s*"\s*(javascript|vbscript|data|file):/i);
    expect(tag).not.toMatch(/\sstyle\s*=\s*"(?!text-align:(left|right|center);?")/i);
  }
  expect(html).not.toMatch(/<\/?(script|svg|iframe|style|math)/i);
}

describe('renderMarkdown', () => {
  it('renders the usual Markdown', () => {
    const html = renderMarkdown(
      '# Title\n\nSome **bold**, _em_ and `code`.\n\n- one\n- two\n\n3. three\n\n```ts\nconst a = 1 < 2;\n```\n\n> quoted\n\n| a | b |\n|:-|-:|\n| 1 | 2 |\n',
    );
    expect(html).toContain('<h1>Title</h1>');
    expect(html).toContain('<strong>bold</strong>');
    expect(html).toContain('<em>em</em>');
    expect(html).toContain('<code>code</code>');
    expect(html).toContain('<ul>');
    expect(html).toContain('<ol start="3">');
    expect(html).toContain('<code class="language-ts">const a = 1 &lt; 2;\n</code>');
    expect(html).toContain('<blockquote>');
    expect(html).toContain('<th style="text-align:left">a</th>');
    expect(html).toContain('<td style="text-align:right">2</td>');
  });

  it('gives every link rel="noopener nofollow ugc", including linkified bare URLs', () => {
    const html = renderMarkdown('[site](https://example.com/a?b=1) and https://example.org/x');
    expect(html).toContain(`<a href="https://example.com/a?b=1" rel="${LINK_REL}">site</a>`);
    expect(html).toContain(`<a href="https://example.org/x" rel="${LINK_REL}">https://example.org/x</a>`);
  });

  it('keeps relative, fragment and mailto links and web images', () => {
    const html = renderMarkdown(
      '[a](/courses/x) [b](#part-2) [c](mailto:me@example.com) ![pic](https://example.com/p.png "T")',
    );
    expect(html).toContain('href="/courses/x"');
    expect(html).toContain('href="#part-2"');
    expect(html).toContain('href="mailto:me@example.com"');
    expect(html).toContain('<img src="https://example.com/p.png" alt="pic" title="T" />');
  });

  it('shows raw HTML as text: script tags, event handlers, svg onload, iframes', () => {
    const payloads = [
      '<script>alert(1)</script>',
      '<img src=x onerror=alert(1)>',
      '<svg onload=alert(1)><circle/></svg>',
      '<svg><script>alert(1)</script></svg>',
      '<iframe src="javascript:alert(1)"></iframe>',
      '<a href="javascript:alert(1)">x</a>',
      '<div style="background:url(javascript:alert(1))">x</div>',
      '<style>body{display:none}</style>',
      '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
      '<details open ontoggle=alert(1)>',
    ];
    for (const payload of payloads) {
      const html = renderMarkdown(payload);
      expectInert(html);
      // Escaped, so the reader sees what was written rather than losing it silently.
      expect(html).toContain('&lt;');
    }
  });

  it('drops javascript:, vbscript:, data: and file: links however they are disguised', () => {
    const sources = [
      '[x](javascript:alert(1))',
      '[x](JaVaScRiPt:alert(1))',
      '[x](  javascript:alert(1))',
      '[x](<java\tscript:alert(1)>)',
      '[x](&#106;avascript:alert(1))',
      '[x](&#x6A;avascript&#x3A;alert(1))',
      '[x](javascript&colon;alert(1))',
      '[x](%6Aavascript:alert(1))',
      '[x](vbscript:msgbox(1))',
      '[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
      '[x](file:///etc/passwd)',
      '[x](//evil.example/phish)',
      '<javascript:alert(1)>',
      'javascript:alert(1)',
      '[x][ref]\n\n[ref]: javascript:alert(1)',
    ];
    for (const source of sources) {
      const html = renderMarkdown(source);
      expectInert(html);
      // Refused links stay visible as text, so the author sees why they did not become links.
      expect(html, source).not.toMatch(/<a\s/);
    }
  });

  it('refuses a colon before the first slash even when percent-encoding hides the scheme', () => {
    expect(isSafeUrl('%6Aavascript:alert(1)')).toBe(false);
    expect(isSafeUrl('%6Aavascript/alert(1)')).toBe(true);
  });

  it('refuses data: images (and javascript: ones)', () => {
    for (const source of [
      '![x](data:image/png;base64,iVBORw0KGgo=)',
      '![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)',
      '![x](javascript:alert(1))',
    ]) {
      const html = renderMarkdown(source);
      expect(html, source).not.toContain('<img');
      expectInert(html);
    }
  });

  it('does not let entities or quotes break out of attributes', () => {
    const html = renderMarkdown(
      '[x](https://example.com/"onmouseover="alert(1)) ![a"b](https://e.com/x.png "t\\"onerror=x")',
    );
    expectInert(html);
    expect(html).not.toMatch(/"\s+onmouseover=/i);
  });

  it('escapes HTML entity tricks in text instead of decoding them into markup', () => {
    const html = renderMarkdown(
      '&lt;script&gt;alert(1)&lt;/script&gt; and &#60;img src=x onerror=alert(1)&#62;',
    );
    expectInert(html);
    expect(html).toContain('&lt;script&gt;');
  });
});

describe('sanitizeRenderedHtml (the second layer on its own)', () => {
  it('removes what markdown-it would never produce', () => {
    const html = sanitizeRenderedHtml(
      '<p onclick="x()" style="color:red" class="evil">hi</p>' +
        '<script>alert(1)</script>' +
        '<svg onload="alert(1)"></svg>' +
        '<a href="javascript:alert(1)" target="_blank" rel="opener">x</a>' +
        '<a href="https://example.com" rel="opener">y</a>' +
        '<img src="data:image/png;base64,AAAA" onerror="alert(1)">' +
        '<td style="text-align:left;background:url(javascript:alert(1))">c</td>' +
        '<code class="language-js evil">z</code>' +
        '<iframe src="https://example.com"></iframe>',
    );
    expectInert(html);
    expect(html).not.toContain('class="evil"');
    expect(html).not.toContain('target=');
    expect(html).toContain(`<a href="https://example.com" rel="${LINK_REL}">y</a>`);
    expect(html).toContain(`<a rel="${LINK_REL}">x</a>`);
    expect(html).not.toContain('<img');
    expect(html).toContain('<code class="language-js">z</code>');
    expect(html).not.toContain('background');
  });
});

describe('isSafeUrl', () => {
  it.each([
    ['https://example.com', true],
    ['http://example.com', true],
    ['mailto:me@example.com', true],
    ['/relative/path', true],
    ['relative', true],
    ['#fragment', true],
    ['?q=1', true],
    ['javascript:alert(1)', false],
    [' \u0001javascript:alert(1)', false],
    ['java\nscript:alert(1)', false],
    ['data:text/html,x', false],
    ['//evil.example', false],
    ['\\\\evil.example', false],
    ['/\\evil.example', false],
    ['weird:thing', false],
  ])('%j → %s', (url, safe) => {
    expect(isSafeUrl(url)).toBe(safe);
  });
});

describe('renderMarkdownCached', () => {
  it('renders exactly as renderMarkdown, and again from the cache', () => {
    const source = `# Cached ${Math.random()}\n\n[x](javascript:alert(1)) *y*`;
    const first = renderMarkdownCached(source);
    expect(first).toBe(renderMarkdown(source));
    expect(renderMarkdownCached(source)).toBe(first);
  });
});

describe('markdownToText', () => {
  it('keeps the words, drops markup and link targets, decodes entities', () => {
    expect(markdownToText('# Learn *Rust* & [Go](https://go.dev)\n\nFast &amp; `safe` <b>code</b>.')).toBe(
      'Learn Rust & Go Fast & safe <b>code</b>.',
    );
  });
});
