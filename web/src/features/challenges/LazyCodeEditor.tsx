import { lazy, Suspense, type ComponentProps } from 'react';
import { LoadingState } from '../../components/Feedback.tsx';

// CodeMirror and its language packages are a bundle of their own, fetched when an editor first shows.
const CodeEditor = lazy(() => import('./CodeEditor.tsx'));

/** The code editor, loaded on demand. */
export function LazyCodeEditor(props: ComponentProps<typeof CodeEditor>) {
  return (
    <Suspense fallback={<LoadingState label="Loading the editor…" />}>
      <CodeEditor {...props} />
    </Suspense>
  );
}
