// The part of App Bridge's `shopify` global this app uses (https://shopify.dev/docs/api/app-home).
interface ShopifyGlobal {
  idToken(): Promise<string>;
  toast: { show(message: string, options?: { duration?: number; isError?: boolean }): string };
  config: { apiKey: string; shop?: string; host?: string; locale?: string };
}

declare const shopify: ShopifyGlobal;
