import { useParams } from '../app/router';
import { ImportsShell } from './deps';
import ImportLogPage from './ImportLogPage';
import ImportPage from './ImportPage';
import NewImportPage from './NewImportPage';
import UploadPage from './UploadPage';
import './imports.css';

/** The import screens as routes (web/src/routes.tsx loads this module lazily: one chunk for all of them). */
export function ImportLogRoute() {
  return (
    <ImportsShell>
      <ImportLogPage />
    </ImportsShell>
  );
}

export function NewImportRoute() {
  return (
    <ImportsShell>
      <NewImportPage />
    </ImportsShell>
  );
}

export function UploadRoute() {
  const { type } = useParams<{ type: string }>();
  return (
    <ImportsShell>
      <UploadPage key={type} typeKey={type} />
    </ImportsShell>
  );
}

export function ImportRoute() {
  const { id } = useParams<{ id: string }>();
  return (
    <ImportsShell>
      <ImportPage key={id} id={id} />
    </ImportsShell>
  );
}
