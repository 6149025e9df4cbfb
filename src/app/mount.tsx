import { StrictMode, type ComponentType } from 'react';
import { createRoot } from 'react-dom/client';
import './styles.css';

/** Renders a page's root component into its #root element (each HTML entry has one). */
export function mount(Page: ComponentType, page: string): void {
  const root = document.getElementById('root');
  if (!root) throw new Error(`${page} has no #root element`);
  createRoot(root).render(
    <StrictMode>
      <Page />
    </StrictMode>,
  );
}
