// The public site's root layout: its own <html>, apart from the admin panel's (app/(payload)/).
import type React from 'react'

import './styles.css'

export default function FrontendLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  )
}
