variable "name" {
  description = "Name of the function and prefix of the other resources."
  type        = string
  default     = "cognito-relay"
}

variable "lambda_zip_path" {
  description = "Path to the relay's lambda.zip (index.mjs at the root, handler index.handler): node_modules/cognito-relay/dist/lambda.zip from the npm package, or dist/lambda.zip after `npm run build` in a checkout."
  type        = string
}

variable "user_pool_id" {
  description = "The pool the relay serves. The invoke permission, the kms:Decrypt condition and cognito-idp:AdminGetUser are limited to it."
  type        = string

  validation {
    condition     = can(regex("^[\\w-]+_[0-9a-zA-Z]+$", var.user_pool_id))
    error_message = "user_pool_id looks like eu-west-1_AbCdEf123."
  }
}

variable "create_kms_key" {
  description = "Create a symmetric KMS key with rotation for the pool's custom senders. Set false and give kms_key_arn to use your own."
  type        = bool
  default     = true
}

variable "key_administrator_arns" {
  description = <<-EOT
    Required with create_kms_key: IAM role/user ARNs that administer the key. Its policy lets them
    manage it (AWS's key-administrator actions, with kms:PutKeyPolicy and kms:CreateGrant), never
    use it, and names nobody else but Cognito and the relay's role (no account-root kms:*).
    Include the principal that runs `terraform apply`: KMS refuses a policy that locks its creator
    out, and Cognito's grant on the key is made as whoever creates or updates the pool.
  EOT
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.key_administrator_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:.+$", arn))])
    error_message = "key_administrator_arns holds IAM ARNs (arn:aws:iam::<account>:role/<name>)."
  }
}

variable "key_policy_user_pool_id" {
  description = <<-EOT
    The pool ID again, for the key policy, when the pool exists apart from this module's key
    (e.g. the pool is wired with `cognito-relay attach`): the policy then lets Cognito and the
    relay use the key for that pool only. Leave null when the pool is created in the same
    configuration with kms_key_id = module.relay.key_arn: naming it would be a dependency cycle
    (Terraform follows references, not values), so the policy names this account's pools in the
    region instead; the role's own policy still names the pool exactly.
  EOT
  type        = string
  default     = null
}

variable "secrets_kms_key_arns" {
  description = "Customer-managed KMS keys of the Secrets Manager secrets in secret_arns, if any: the role may decrypt with them through Secrets Manager only."
  type        = list(string)
  default     = []
}

variable "kms_key_arn" {
  description = "Your own symmetric key's ARN (used when create_kms_key = false). A key ID or alias is rejected by Cognito."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/(mrk-)?[0-9a-f-]+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a full key ARN (arn:aws:kms:<region>:<account>:key/<id>)."
  }
}

variable "email" {
  description = <<-EOT
    Email delivery: providers in failover order (EMAIL_PROVIDERS), sender address, optional display
    name and reply-to. With "ses" among the providers the role may send as `from` (its address or
    domain identity, and settings.SES_CONFIGURATION_SET); ses_templates = true also allows this
    account's SES templates (template/*), for PROVIDER_TEMPLATES mappings of ses.
  EOT
  type = object({
    providers     = list(string)
    from          = string
    from_name     = optional(string)
    reply_to      = optional(string)
    ses_templates = optional(bool, false)
  })
  default = null

  validation {
    condition     = var.email == null || can(regex("^[^@\\s]+@[^@\\s]+$", var.email.from))
    error_message = "email.from must be an email address."
  }
}

variable "sms" {
  description = <<-EOT
    SMS delivery: providers in failover order (SMS_PROVIDERS); allowed_countries, required
    (SMS_ALLOWED_COUNTRIES: calling codes like ["1", "44"]; every other number is refused, add
    codes to open more); max_per_number_per_hour (SMS_MAX_PER_NUMBER_PER_HOUR, 1-10000, default 5;
    the counters live in the idempotency table, created unless idempotency_table_name is set). With "sns" the role gets
    sns:Publish on "*" (a phone number has no ARN); with "eum", sms-voice:SendTextMessage on
    eum_resource_arns (default ["*"]: narrow it to your origination identity, configuration set
    and protect configuration ARNs).
  EOT
  type = object({
    providers               = list(string)
    allowed_countries       = list(string)
    max_per_number_per_hour = optional(number, 5)
    eum_resource_arns       = optional(list(string), ["*"])
  })
  default = null

  validation {
    condition     = var.sms == null || (try(length(var.sms.allowed_countries), 0) > 0 && alltrue([for code in try(var.sms.allowed_countries, []) : can(regex("^\\+?[0-9]{1,7}$", code))]))
    error_message = "sms.allowed_countries is required: country calling codes like \"1\", \"44\" or \"351\" (SMS is never open to every country)."
  }

  validation {
    condition     = var.sms == null || (try(var.sms.max_per_number_per_hour, 0) >= 1 && try(var.sms.max_per_number_per_hour, 0) <= 10000 && floor(try(var.sms.max_per_number_per_hour, 0)) == try(var.sms.max_per_number_per_hour, 0))
    error_message = "sms.max_per_number_per_hour must be a whole number from 1 to 10000."
  }
}

variable "delivery" {
  description = <<-EOT
    Delivery settings (docs/failure-semantics.md); unset ones keep the relay's defaults:
    max_attempts (MAX_ATTEMPTS, 1-10, default 3), attempt_timeout_ms (ATTEMPT_TIMEOUT_MS,
    100-60000, default 10000, and at least 1 s under `timeout`), unknown_outcome_resends
    (UNKNOWN_OUTCOME_RESENDS, 0-3, default 1: resends after an unanswered attempt when the last
    provider takes no idempotency key), circuit_breaker_threshold (CIRCUIT_BREAKER_THRESHOLD,
    1-100, default 3), circuit_breaker_cooldown_ms (CIRCUIT_BREAKER_COOLDOWN_MS, 1000-3600000,
    default 30000).
  EOT
  type = object({
    max_attempts                = optional(number)
    attempt_timeout_ms          = optional(number)
    unknown_outcome_resends     = optional(number)
    circuit_breaker_threshold   = optional(number)
    circuit_breaker_cooldown_ms = optional(number)
  })
  default  = {}
  nullable = false

  validation {
    condition = alltrue([
      for check in [
        [var.delivery.max_attempts, 1, 10],
        [var.delivery.attempt_timeout_ms, 100, 60000],
        [var.delivery.unknown_outcome_resends, 0, 3],
        [var.delivery.circuit_breaker_threshold, 1, 100],
        [var.delivery.circuit_breaker_cooldown_ms, 1000, 3600000],
      ] : check[0] == null || (try(check[0] >= check[1] && check[0] <= check[2] && floor(check[0]) == check[0], false))
    ])
    error_message = "delivery: max_attempts 1-10, attempt_timeout_ms 100-60000, unknown_outcome_resends 0-3, circuit_breaker_threshold 1-100, circuit_breaker_cooldown_ms 1000-3600000, whole numbers."
  }
}

variable "secret_arns" {
  description = "Secret settings kept in Secrets Manager, by environment variable name: { SENDGRID_API_KEY = \"arn:aws:secretsmanager:…:secret:prod/sendgrid-AbCdEf\" }. The function gets <NAME>_SECRET_ARN and GetSecretValue on exactly these ARNs."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for name, arn in var.secret_arns : can(regex("^[A-Z][A-Z0-9_]*$", name)) && can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+-[A-Za-z0-9]{6}$", arn))])
    error_message = "secret_arns: keys are environment variable names, values full secret ARNs (with the 6-character suffix)."
  }
}

variable "secret_parameters" {
  description = "Secret settings kept as SSM SecureString parameters, by environment variable name: { TWILIO_AUTH_TOKEN = \"/prod/twilio-token\" }. The function gets <NAME>_PARAMETER and ssm:GetParameter on exactly these."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for name, parameter in var.secret_parameters : can(regex("^[A-Z][A-Z0-9_]*$", name)) && can(regex("^/?[A-Za-z0-9_.\\-/]+$", parameter))])
    error_message = "secret_parameters: keys are environment variable names, values parameter names."
  }
}

variable "parameter_kms_key_arn" {
  description = "Customer-managed key of the SecureString parameters, if any (not needed for the AWS managed aws/ssm key)."
  type        = string
  default     = null
}

variable "settings" {
  description = "Non-secret provider settings as environment variables, e.g. { TWILIO_ACCOUNT_SID = \"AC…\", TWILIO_FROM = \"+1…\" }. Credentials go in secret_arns / secret_parameters."
  type        = map(string)
  default     = {}

  validation {
    # VONAGE_API_KEY looks like a credential but is Vonage's public key ID (its secret is VONAGE_API_SECRET).
    condition     = alltrue([for name in keys(var.settings) : name == "VONAGE_API_KEY" || !can(regex("(API_KEY|_KEY|TOKEN|SECRET|PASSWORD|PASS|SMTP_URL|CREDENTIALS)$", name))])
    error_message = "settings must not carry credentials (names ending in KEY, TOKEN, SECRET, PASSWORD, SMTP_URL…): use secret_arns or secret_parameters."
  }
}

variable "link_base_url" {
  description = "LINK_BASE_URL: the verification landing page the emails link to (docs/links.md), e.g. module.landing_page.link_base_url. Null: codes only."
  type        = string
  default     = null
}

variable "app_name" {
  description = "APP_NAME shown in the default templates."
  type        = string
  default     = null
}

variable "default_locale" {
  description = "DEFAULT_LOCALE, e.g. en."
  type        = string
  default     = null
}

variable "idempotency" {
  description = "Create a DynamoDB table so an event Lambda retries is not delivered twice (IDEMPOTENCY_TABLE). With sms a table is created anyway (the per-number counters live there) unless idempotency_table_name is set."
  type        = bool
  default     = false
}

variable "idempotency_table_name" {
  description = "Or use your own table (partition key id String, TTL on expiration) instead of creating one."
  type        = string
  default     = null
}

variable "memory_size" {
  description = "MB. The Encryption SDK's P-384 signature check is CPU-bound; more memory is more CPU."
  type        = number
  default     = 256
}

variable "timeout" {
  description = "Seconds: room for provider retries and a failover within one invocation, well above delivery.attempt_timeout_ms."
  type        = number
  default     = 30
}

variable "retry_attempts" {
  description = "Lambda's async retries (0-2)."
  type        = number
  default     = 2
}

variable "maximum_event_age_in_seconds" {
  description = "How long Lambda keeps retrying. Forgot-password codes expire after an hour, MFA codes after minutes."
  type        = number
  default     = 3600
}

variable "alarm_topic_arn" {
  description = "SNS topic the alarms notify (optional)."
  type        = string
  default     = null
}

variable "log_retention_in_days" {
  type    = number
  default = 30
}

variable "tags" {
  type    = map(string)
  default = {}
}
