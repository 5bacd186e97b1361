// The header of the pages other than the editor: logo, title, the page's own actions, then the
// links every page shares and the user's menu.
import type { ReactNode } from "react";
import { UserMenu } from "./UserMenu";

export function PageHeader({ title, children }: { title: ReactNode; children?: ReactNode }) {
  return (
    <header className="tc-page-head">
      <a className="tc-logo" href="#/">torch<b>canvas</b></a>
      <h2>{title}</h2>
      {children}
      <span className="spacer" />
      <a href="#/">Editor</a>
      <a href="#/market" data-testid="nav-market">Market</a>
      <UserMenu />
    </header>
  );
}
