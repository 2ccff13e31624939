import { describe, expect, it } from 'vitest';
import {
  canStepLesson,
  findLesson,
  moveItem,
  moveLesson,
  moveSection,
  orderOf,
  sameOrder,
  stepLesson,
} from './curriculum.ts';

const course = () => [
  { id: 's1', lessons: [{ id: 'a' }, { id: 'b' }, { id: 'c' }] },
  { id: 's2', lessons: [{ id: 'd' }] },
  { id: 's3', lessons: [] },
];

const ids = (sections: ReturnType<typeof course>) =>
  orderOf(sections).map((s) => `${s.id}:${s.lessonIds.join('')}`);

describe('moveItem', () => {
  it('moves forwards and backwards, clamping the target', () => {
    expect(moveItem(['a', 'b', 'c'], 0, 2)).toEqual(['b', 'c', 'a']);
    expect(moveItem(['a', 'b', 'c'], 2, 0)).toEqual(['c', 'a', 'b']);
    expect(moveItem(['a', 'b', 'c'], 1, 99)).toEqual(['a', 'c', 'b']);
    expect(moveItem(['a', 'b', 'c'], 1, -5)).toEqual(['b', 'a', 'c']);
  });

  it('leaves the array as it was for an unknown index, and never mutates its input', () => {
    const input = ['a', 'b'];
    expect(moveItem(input, -1, 0)).toEqual(['a', 'b']);
    moveItem(input, 0, 1);
    expect(input).toEqual(['a', 'b']);
  });
});

describe('moveSection', () => {
  it('moves a section with its lessons', () => {
    expect(ids(moveSection(course(), 's3', 0))).toEqual(['s3:', 's1:abc', 's2:d']);
  });
});

describe('moveLesson', () => {
  it('reorders within a section', () => {
    expect(ids(moveLesson(course(), 'a', 's1', 2))).toEqual(['s1:bca', 's2:d', 's3:']);
  });

  it('moves into another section at a position, or at the end when past it', () => {
    expect(ids(moveLesson(course(), 'b', 's2', 0))).toEqual(['s1:ac', 's2:bd', 's3:']);
    expect(ids(moveLesson(course(), 'b', 's2', 99))).toEqual(['s1:ac', 's2:db', 's3:']);
    expect(ids(moveLesson(course(), 'b', 's3', 0))).toEqual(['s1:ac', 's2:d', 's3:b']);
  });

  it('ignores unknown lessons and sections', () => {
    expect(ids(moveLesson(course(), 'zz', 's2', 0))).toEqual(ids(course()));
    expect(ids(moveLesson(course(), 'a', 'zz', 0))).toEqual(ids(course()));
  });
});

describe('stepLesson', () => {
  it('steps within a section', () => {
    expect(ids(stepLesson(course(), 'b', -1))).toEqual(['s1:bac', 's2:d', 's3:']);
    expect(ids(stepLesson(course(), 'b', 1))).toEqual(['s1:acb', 's2:d', 's3:']);
  });

  it('crosses into the neighbouring section at its near end', () => {
    expect(ids(stepLesson(course(), 'c', 1))).toEqual(['s1:ab', 's2:cd', 's3:']);
    expect(ids(stepLesson(course(), 'd', -1))).toEqual(['s1:abcd', 's2:', 's3:']);
    expect(ids(stepLesson(course(), 'd', 1))).toEqual(['s1:abc', 's2:', 's3:d']);
  });

  it('stops at the ends of the course', () => {
    expect(canStepLesson(course(), 'a', -1)).toBe(false);
    expect(ids(stepLesson(course(), 'a', -1))).toEqual(ids(course()));
    expect(canStepLesson(course(), 'd', 1)).toBe(true);
    const last = [{ id: 's1', lessons: [{ id: 'a' }] }];
    expect(canStepLesson(last, 'a', 1)).toBe(false);
    expect(canStepLesson(course(), 'zz', 1)).toBe(false);
  });
});

describe('findLesson and sameOrder', () => {
  it('finds where a lesson is', () => {
    expect(findLesson(course(), 'd')).toMatchObject({ sectionIndex: 1, index: 0 });
    expect(findLesson(course(), 'zz')).toBeUndefined();
  });

  it('compares orders by ids only', () => {
    expect(sameOrder(course(), course())).toBe(true);
    expect(sameOrder(course(), moveLesson(course(), 'a', 's1', 1))).toBe(false);
  });
});
