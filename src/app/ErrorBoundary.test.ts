/**
 * The error boundary's parts in Node (no DOM here: React's server renderer draws the markup, and
 * the boundary's state changes are driven the way React drives them after a child throws).
 */
import { createElement, isValidElement, type ReactElement, type ReactNode } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { ErrorBoundary, ViewCrashed, thrownMessage } from './ErrorBoundary';

describe('thrownMessage', () => {
  it('says what was thrown, whatever it was, in at most 1000 characters', () => {
    expect(thrownMessage(new TypeError('e.request.name.localeCompare is not a function'))).toBe('e.request.name.localeCompare is not a function');
    expect(thrownMessage('plain text')).toBe('plain text');
    expect(thrownMessage(new Error(''))).toBe('Error');
    expect(thrownMessage({ toString: () => { throw new Error('no'); } })).toBe('an error that cannot be shown as text');
    expect(thrownMessage(new Error('x'.repeat(5000))).length).toBe(1000);
  });
});

describe('ErrorBoundary', () => {
  const fallback = (message: string) => createElement('p', { className: 'fallback' }, `failed: ${message}`);

  it('draws its children while none has thrown', () => {
    expect(renderToStaticMarkup(createElement(ErrorBoundary, { fallback, children: createElement('p', null, 'the view') }))).toBe('<p>the view</p>');
  });

  it('after a child threw: the fallback with the message; "try again" mounts the children afresh', () => {
    const boundary = new ErrorBoundary({ fallback, children: createElement('p', null, 'the view') });
    // What React does with the boundary's state when a child throws, and with setState.
    boundary.setState = (update) => {
      const patch = typeof update === 'function' ? update(boundary.state, boundary.props) : update;
      boundary.state = { ...boundary.state, ...patch };
    };
    const first = boundary.render() as ReactElement;
    boundary.state = { ...boundary.state, ...ErrorBoundary.getDerivedStateFromError(new RangeError('bad createdAt')) };
    expect(renderToStaticMarkup(boundary.render() as ReactElement)).toBe('<p class="fallback">failed: bad createdAt</p>');
    boundary.retry();
    const again = boundary.render() as ReactElement;
    expect(renderToStaticMarkup(again)).toBe('<p>the view</p>');
    // A new key: React unmounts the old children and mounts new ones with fresh state.
    expect(isValidElement(first) && isValidElement(again) && first.key !== again.key).toBe(true);
  });
});

describe('ViewCrashed', () => {
  const draw = (children?: ReactNode) =>
    renderToStaticMarkup(
      createElement(ViewCrashed, { view: 'Train & compare', message: 'Cannot read properties of undefined', retry: () => undefined, away: { href: '#/losses', label: 'Go to the Losses view' } }, children),
    );

  it('shows the view, the message, "Try again" and a link away, as an alert', () => {
    const html = draw();
    expect(html).toContain('role="alert"');
    expect(html).toContain('The Train &amp; compare view stopped with an error');
    expect(html).toContain('<p class="bad">Cannot read properties of undefined</p>');
    expect(html).toContain('<button type="button">Try again</button>');
    expect(html).toContain('<a href="#/losses">Go to the Losses view</a>');
  });

  it('adds the view-specific help it is given', () => {
    expect(draw(createElement('p', null, 'Stored experiments can be deleted here.'))).toContain('<p>Stored experiments can be deleted here.</p>');
    expect(draw(null)).not.toContain('Stored experiments');
  });
});
