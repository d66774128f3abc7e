'use client';
// Where API clients reach the gateway, as seen from this browser: the console's host name and the
// gateway's port (server.port). Behind a proxy or on another host the operator's own URL applies.
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';

const PortContext = createContext<number>(8877);

export function GatewayProvider({ port, children }: { port: number; children: ReactNode }) {
  return <PortContext.Provider value={port}>{children}</PortContext.Provider>;
}

/** `http://<this host>:<server.port>`; a placeholder host until mounted (no window on the server). */
export function useGatewayUrl(): string {
  const port = useContext(PortContext);
  const [host, setHost] = useState('127.0.0.1');
  const [protocol, setProtocol] = useState('http:');
  useEffect(() => {
    setHost(window.location.hostname.includes(':') ? `[${window.location.hostname}]` : window.location.hostname);
    setProtocol(window.location.protocol);
  }, []);
  return `${protocol}//${host}:${port}`;
}
