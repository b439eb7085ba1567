export {
  parseLicenseExpression,
  formatLicenseExpression,
  LicenseExpressionError,
  MAX_NESTING,
  MAX_EXPRESSION_LENGTH,
  type LicenseExpr,
  type LicenseTerm,
} from './expression.js';
export { compileLicenseDenyList, evaluateLicense, type DenyEntry, type LicenseDenyList, type LicenseVerdict } from './denylist.js';
export { containsLicenseWord } from './wordmatch.js';
