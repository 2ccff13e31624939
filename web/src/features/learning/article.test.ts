import { describe, expect, it } from 'vitest';
import { withoutRepeatedTitle } from './article.ts';

describe('withoutRepeatedTitle', () => {
  it('drops a first heading that repeats the lesson title, entities and case aside', () => {
    expect(withoutRepeatedTitle('<h1>Reading notes</h1>\n<p>Text</p>\n', 'Reading notes')).toBe(
      '<p>Text</p>\n',
    );
    expect(withoutRepeatedTitle('<h1>Tips &amp; tricks</h1>\n<p>x</p>', 'tips & Tricks')).toBe('<p>x</p>');
  });

  it('keeps any other first heading, and headings that are not first', () => {
    expect(withoutRepeatedTitle('<h1>Overview</h1>\n<p>x</p>', 'Reading notes')).toBe(
      '<h1>Overview</h1>\n<p>x</p>',
    );
    expect(withoutRepeatedTitle('<p>x</p>\n<h1>Reading notes</h1>', 'Reading notes')).toBe(
      '<p>x</p>\n<h1>Reading notes</h1>',
    );
    expect(withoutRepeatedTitle('<h1>Reading <em>notes</em></h1>', 'Reading notes')).toBe(
      '<h1>Reading <em>notes</em></h1>',
    );
  });
});
