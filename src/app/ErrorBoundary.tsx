/**
 * Error boundaries: a view that throws while it renders is replaced by a message with ways out
 * (try again, another view), and the page header, the navigation and the other views keep
 * working. Nothing stored is touched.
 */
import { Component, Fragment, type ReactNode } from 'react';
import { truncateText } from '../core/training/experimentFile';

/** What a thrown value says, whatever was thrown. */
export function thrownMessage(e: unknown): string {
  try {
    const text = e instanceof Error ? e.message || e.name : String(e);
    return truncateText(text || 'an error without a message', 1000);
  } catch {
    return 'an error that cannot be shown as text';
  }
}

interface BoundaryProps {
  children: ReactNode;
  /** Drawn instead of the children once one of them has thrown; `retry` mounts them afresh. */
  fallback: (message: string, retry: () => void) => ReactNode;
}

interface BoundaryState {
  message: string | null;
  /** Bumped by retry: the children are mounted anew, with fresh state. */
  attempt: number;
}

export class ErrorBoundary extends Component<BoundaryProps, BoundaryState> {
  override state: BoundaryState = { message: null, attempt: 0 };

  static getDerivedStateFromError(error: unknown): Partial<BoundaryState> {
    return { message: thrownMessage(error) };
  }

  readonly retry = (): void => {
    this.setState((s) => ({ message: null, attempt: s.attempt + 1 }));
  };

  override render(): ReactNode {
    if (this.state.message !== null) return this.props.fallback(this.state.message, this.retry);
    return <Fragment key={this.state.attempt}>{this.props.children}</Fragment>;
  }
}

export interface ViewCrashedProps {
  /** The view's name as the navigation shows it. */
  view: string;
  message: string;
  retry: () => void;
  /** Another view to go to. */
  away: { href: string; label: string };
  /** View-specific help (drawn inside its own boundary: if it throws too, it is left out). */
  children?: ReactNode;
}

/** What a view that threw shows instead: the error, "Try again", a link to another view, and help. */
export function ViewCrashed({ view, message, retry, away, children }: ViewCrashedProps) {
  return (
    <section className="panel" role="alert" aria-labelledby="view-crashed-title" data-testid="view-error">
      <h2 id="view-crashed-title">The {view} view stopped with an error</h2>
      <p className="bad">{message}</p>
      <p className="muted">The other views still work (the navigation above), and nothing stored in this browser was changed.</p>
      <div className="buttons">
        <button type="button" onClick={retry}>
          Try again
        </button>
        <a href={away.href}>{away.label}</a>
      </div>
      {children !== undefined && children !== null && <ErrorBoundary fallback={() => null}>{children}</ErrorBoundary>}
    </section>
  );
}
