/**
 * Objects shared down the component tree through @lit/context: the app provides the identity,
 * the access state, the API client and the router; the document editor provides the session of
 * its document.
 */
import { createContext } from '@lit/context'
import type { DocsApi } from './api.js'
import type { AuthStore } from './auth.js'
import type { DocSession } from './collab/session.js'
import type { IdentityStore } from './identity.js'
import type { Router } from './router.js'

/** The local user's name and colour. */
export const identityContext = createContext<IdentityStore>(Symbol('tandem-identity'))
/** Who the page is to the server: mode, account, token; sign in and out. */
export const authContext = createContext<AuthStore>(Symbol('tandem-auth'))
/** The document API client. */
export const apiContext = createContext<DocsApi>(Symbol('tandem-api'))
/** Navigation. */
export const routerContext = createContext<Router>(Symbol('tandem-router'))
/** The open document (undefined outside an editor). */
export const sessionContext = createContext<DocSession | undefined>(Symbol('tandem-session'))
