import type { Metadata } from "next";
import { connection } from "next/server";
import { GeistSans } from "geist/font/sans";
import { GeistMono } from "geist/font/mono";
import { Providers } from "@/components/providers";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Herald", template: "%s · Herald" },
  description: "Self-hosted notification control plane",
};

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  // Every page renders per request, the 404 page too: Next.js puts proxy.ts's per-response
  // CSP nonce on its scripts only while rendering (a prerendered page has none, and its scripts would be blocked).
  await connection();
  return (
    <html lang="en" className={`${GeistSans.variable} ${GeistMono.variable}`}>
      <body className="min-h-screen bg-slate-50 font-sans text-slate-900 antialiased">
        <Providers>{children}</Providers>
      </body>
    </html>
  );
}
