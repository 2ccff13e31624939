import { java } from '@codemirror/lang-java';
import { javascript } from '@codemirror/lang-javascript';
import { python } from '@codemirror/lang-python';
import CodeMirror, { EditorView } from '@uiw/react-codemirror';
import { useMemo } from 'react';
import type { Language } from '../../../../contracts/challenges.ts';

const EXTENSIONS = { python, javascript, java } as const;

/**
 * The code editor (CodeMirror 6). Loaded lazily with the challenges bundle: nobody who never opens
 * a challenge downloads it. Tab inserts indentation; Escape then Tab leaves the editor (CodeMirror's
 * own keyboard trap escape), so keyboard users are never stuck.
 */
export default function CodeEditor({
  id,
  language,
  value,
  onChange,
  label,
  minHeight = '240px',
}: {
  id: string;
  language: Language;
  value: string;
  onChange: (value: string) => void;
  label: string;
  minHeight?: string;
}) {
  const extensions = useMemo(
    // The editable surface carries the label (the wrapper div is not what screen readers focus).
    () => [
      EXTENSIONS[language](),
      EditorView.contentAttributes.of({ 'aria-label': label }),
      // Long lines wrap: a phone never scrolls sideways.
      EditorView.lineWrapping,
    ],
    [language, label],
  );
  return (
    <div className="ch-editor" id={id}>
      <CodeMirror
        value={value}
        onChange={onChange}
        extensions={extensions}
        minHeight={minHeight}
        basicSetup={{ foldGutter: false }}
        indentWithTab
      />
    </div>
  );
}
