'use client';
// The signed-in operator's role, for hiding what a viewer may not do (the API refuses it anyway:
// every write route checks the role on the server; this only keeps buttons that would fail away).
import { createContext, useContext, type ReactNode } from 'react';

const RoleContext = createContext<'admin' | 'viewer'>('viewer');

export function RoleProvider({ role, children }: { role: 'admin' | 'viewer'; children: ReactNode }) {
  return <RoleContext.Provider value={role}>{children}</RoleContext.Provider>;
}

/** true for an admin; false for a viewer (read-only) */
export function useCanWrite(): boolean {
  return useContext(RoleContext) === 'admin';
}
