variable "site_dir" {
  description = "The landing page's files: dist/landing/site of the cognito-relay package (npm run build)."
  type        = string
}

variable "name_prefix" {
  description = "Prefix of the names this module gives (origin access control, headers policy, function)."
  type        = string
  default     = "cognito-relay-landing"
}

variable "cognito_endpoint" {
  description = "config.json cognitoEndpoint. Null: https://cognito-idp.<this region>.amazonaws.com/."
  type        = string
  default     = null
}

variable "app_url" {
  description = "config.json appUrl: the app, for \"continue\" buttons and the deep links of verify / sign-in."
  type        = string
  default     = null
}

variable "password_policy" {
  description = "config.json passwordPolicy: the pool's Policies.PasswordPolicy, checked on the reset form."
  type = object({
    MinimumLength    = optional(number)
    RequireUppercase = optional(bool)
    RequireLowercase = optional(bool)
    RequireNumbers   = optional(bool)
    RequireSymbols   = optional(bool)
  })
  default = null
}

variable "secret_hash" {
  description = <<-EOT
    The SECRET_HASH endpoint, for app clients that have a secret: zip_path is dist/landing/secret-hash.zip;
    client_secrets_secret_arn a Secrets Manager secret whose SecretString is {"<app client id>": "<client secret>"}
    (read at apply time into the function's CLIENT_SECRETS); client_ids the clients it serves (listed in config.json).
    Null: no endpoint.
  EOT
  type = object({
    zip_path                  = string
    client_secrets_secret_arn = string
    client_ids                = list(string)
  })
  default = null
}

variable "log_retention_days" {
  description = "Retention of the SECRET_HASH endpoint's log group."
  type        = number
  default     = 30
}
