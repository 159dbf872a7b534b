import { Component, type ReactNode } from 'react';

/** Catches a screen that throws while rendering (or fails to load its chunk), so the shell stays usable. */
export class ErrorBoundary extends Component<{ fallback: (error: Error, reset: () => void) => ReactNode; children: ReactNode; resetKey?: string }, { error?: Error }> {
  override state: { error?: Error } = {};

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  override componentDidUpdate(previous: { resetKey?: string }) {
    if (previous.resetKey !== this.props.resetKey && this.state.error) this.setState({ error: undefined });
  }

  override render() {
    if (this.state.error) return this.props.fallback(this.state.error, () => this.setState({ error: undefined }));
    return this.props.children;
  }
}
