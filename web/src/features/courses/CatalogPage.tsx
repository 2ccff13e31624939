// The catalogue moved to features/catalog (issue 4). CoursePage.tsx still imports these two from
// here; once its import points at components/CourseVisuals.tsx this file can go.
export { RatingText, Thumbnail } from '../../components/CourseVisuals.tsx';
