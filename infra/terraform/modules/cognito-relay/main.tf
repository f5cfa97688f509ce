# cognito-relay: the KMS key Cognito encrypts codes with, the function and its least-privilege
# role, the invoke permission limited to the pool, async retries with a dead-letter queue, and
# alarms. The pool itself stays yours: wire it with the native lambda_config block (see
# outputs.tf and examples/) — no null_resource, no `aws cognito-idp update-user-pool`.

data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  partition = data.aws_partition.current.partition
  # Not `name` or `id`: both are deprecated in provider v6, and the `region` that replaces them
  # does not exist in v5 (not even 5.100.0). The EC2 endpoint, ec2.<region>.<dns suffix>, is in
  # both and deprecated in neither.
  region        = split(".", data.aws_region.current.endpoint)[1]
  account_id    = data.aws_caller_identity.current.account_id
  user_pool_arn = "arn:${local.partition}:cognito-idp:${local.region}:${local.account_id}:userpool/${var.user_pool_id}"
  key_arn       = var.create_kms_key ? aws_kms_key.this[0].arn : var.kms_key_arn

  parameter_arns = [for name in values(var.secret_parameters) : "arn:${local.partition}:ssm:${local.region}:${local.account_id}:parameter/${trimprefix(name, "/")}"]

  email_providers = var.email == null ? [] : [for name in var.email.providers : lower(trimspace(name))]
  sms_providers   = var.sms == null ? [] : [for name in var.sms.providers : lower(trimspace(name))]
  channels        = concat(var.email == null ? [] : ["email"], var.sms == null ? [] : ["sms"])

  # Asked for, or needed for the SMS per-number counters and not given.
  create_idempotency_table = var.idempotency || (var.sms != null && var.idempotency_table_name == null)
  idempotency_table_name   = local.create_idempotency_table ? aws_dynamodb_table.idempotency[0].name : var.idempotency_table_name
  idempotency_table_arn = local.create_idempotency_table ? aws_dynamodb_table.idempotency[0].arn : (
    var.idempotency_table_name == null ? null : "arn:${local.partition}:dynamodb:${local.region}:${local.account_id}:table/${var.idempotency_table_name}"
  )

  # SESv2 SendEmail (templated or not) is authorised by ses:SendEmail alone: on the sending
  # identity (the address, or its domain when only the domain is verified), and on the
  # configuration set and template only when a request names them.
  ses_region = lookup(var.settings, "SES_REGION", "") != "" ? var.settings["SES_REGION"] : local.region
  ses_arn    = "arn:${local.partition}:ses:${local.ses_region}:${local.account_id}"
  ses_resources = contains(local.email_providers, "ses") ? concat(
    ["${local.ses_arn}:identity/${var.email.from}", "${local.ses_arn}:identity/${element(split("@", var.email.from), 1)}"],
    lookup(var.settings, "SES_CONFIGURATION_SET", "") != "" ? ["${local.ses_arn}:configuration-set/${var.settings["SES_CONFIGURATION_SET"]}"] : [],
    var.email.ses_templates ? ["${local.ses_arn}:template/*"] : [],
  ) : []

  delivery_settings = { for name, value in {
    MAX_ATTEMPTS                = var.delivery.max_attempts
    ATTEMPT_TIMEOUT_MS          = var.delivery.attempt_timeout_ms
    UNKNOWN_OUTCOME_RESENDS     = var.delivery.unknown_outcome_resends
    CIRCUIT_BREAKER_THRESHOLD   = var.delivery.circuit_breaker_threshold
    CIRCUIT_BREAKER_COOLDOWN_MS = var.delivery.circuit_breaker_cooldown_ms
    SMS_ALLOWED_COUNTRIES       = var.sms == null ? null : join(",", var.sms.allowed_countries)
    SMS_MAX_PER_NUMBER_PER_HOUR = var.sms == null ? null : var.sms.max_per_number_per_hour
  } : name => tostring(value) if value != null }

  environment = merge(
    { KMS_KEY_ARN = local.key_arn },
    var.email == null ? {} : merge(
      { EMAIL_PROVIDERS = join(",", var.email.providers), EMAIL_FROM = var.email.from },
      var.email.from_name == null ? {} : { EMAIL_FROM_NAME = var.email.from_name },
      var.email.reply_to == null ? {} : { EMAIL_REPLY_TO = var.email.reply_to },
    ),
    var.sms == null ? {} : { SMS_PROVIDERS = join(",", var.sms.providers) },
    var.app_name == null ? {} : { APP_NAME = var.app_name },
    var.default_locale == null ? {} : { DEFAULT_LOCALE = var.default_locale },
    var.link_base_url == null ? {} : { LINK_BASE_URL = var.link_base_url },
    local.idempotency_table_name == null ? {} : { IDEMPOTENCY_TABLE = local.idempotency_table_name },
    local.delivery_settings,
    var.settings,
    # Secrets only by reference: the function reads the values at cold start.
    { for name, arn in var.secret_arns : "${name}_SECRET_ARN" => arn },
    { for name, parameter in var.secret_parameters : "${name}_PARAMETER" => parameter },
  )
}

# Symmetric (SYMMETRIC_DEFAULT, ENCRYPT_DECRYPT), rotation on. The policy names who may do what:
# the administrators (manage, never use), Cognito (encrypt and grant, for this account's pools),
# the relay's role (decrypt the pool's codes). No account-root kms:*, so IAM policies alone grant
# nothing on this key.
data "aws_iam_policy_document" "key" {
  statement {
    sid = "KeyAdministration"
    # AWS's key-administrator set, with kms:PutKeyPolicy (no lock-out) and kms:CreateGrant (the
    # pool's creator grants Cognito the key).
    actions = [
      "kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*", "kms:Revoke*", "kms:Disable*",
      "kms:Get*", "kms:Delete*", "kms:TagResource", "kms:UntagResource", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion", "kms:RotateKeyOnDemand",
    ]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = var.key_administrator_arns
    }
  }

  # The Encryption SDK asks for a data key (GenerateDataKey); Cognito may also hold a grant.
  statement {
    sid       = "CognitoEncryptsCodes"
    actions   = ["kms:GenerateDataKey", "kms:Encrypt", "kms:CreateGrant"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["cognito-idp.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:cognito-idp:${local.region}:${local.account_id}:userpool/${var.key_policy_user_pool_id == null ? "*" : var.key_policy_user_pool_id}"]
    }
  }

  statement {
    sid       = "RelayDecryptsCodes"
    actions   = ["kms:Decrypt"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = [aws_iam_role.this.arn]
    }
    condition {
      test     = "StringLike"
      variable = "kms:EncryptionContext:userpool-id"
      values   = [var.key_policy_user_pool_id == null ? "${local.region}_*" : var.key_policy_user_pool_id]
    }
  }
}

resource "aws_kms_key" "this" {
  count                    = var.create_kms_key ? 1 : 0
  description              = "Cognito custom sender codes (${var.name})"
  customer_master_key_spec = "SYMMETRIC_DEFAULT"
  key_usage                = "ENCRYPT_DECRYPT"
  enable_key_rotation      = true
  deletion_window_in_days  = 30
  policy                   = data.aws_iam_policy_document.key.json
  tags                     = var.tags

  lifecycle {
    precondition {
      condition     = length(var.key_administrator_arns) > 0
      error_message = "key_administrator_arns is required with create_kms_key: name the roles that administer the key, including the one running terraform apply."
    }
  }
}

resource "aws_cloudwatch_log_group" "this" {
  name              = "/aws/lambda/${var.name}"
  retention_in_days = var.log_retention_in_days
  tags              = var.tags
}

data "aws_iam_policy_document" "assume_lambda" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  name_prefix        = "${var.name}-"
  description        = "cognito-relay function: decrypt codes, read its own secrets, write its own logs"
  assume_role_policy = data.aws_iam_policy_document.assume_lambda.json
  tags               = var.tags
}

# What the function needs whatever the pool: its own log group (instead of the managed
# AWSLambdaBasicExecutionRole, which allows logs:CreateLogGroup on *), the dead-letter queue
# (Lambda sends failed events there with the function's role), the named secrets, the table.
data "aws_iam_policy_document" "function" {
  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.this.arn}:*"]
  }

  statement {
    sid       = "SendToDeadLetters"
    actions   = ["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"]
    resources = [aws_sqs_queue.dead_letters.arn]
  }

  dynamic "statement" {
    for_each = length(var.secret_arns) > 0 ? [1] : []
    content {
      sid       = "ReadProviderSecrets"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = values(var.secret_arns)
    }
  }

  dynamic "statement" {
    for_each = length(var.secret_parameters) > 0 ? [1] : []
    content {
      sid       = "ReadProviderParameters"
      actions   = ["ssm:GetParameter"]
      resources = local.parameter_arns
    }
  }

  dynamic "statement" {
    for_each = length(var.secret_parameters) > 0 && var.parameter_kms_key_arn != null ? [1] : []
    content {
      sid       = "DecryptProviderParameters"
      actions   = ["kms:Decrypt"]
      resources = [var.parameter_kms_key_arn]
      # Only through SSM: the role cannot use this key directly.
      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["ssm.${local.region}.amazonaws.com"]
      }
    }
  }

  dynamic "statement" {
    for_each = length(var.secrets_kms_key_arns) > 0 ? [1] : []
    content {
      sid       = "DecryptProviderSecrets"
      actions   = ["kms:Decrypt"]
      resources = var.secrets_kms_key_arns
      # Only through Secrets Manager: the role cannot use these keys directly.
      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["secretsmanager.${local.region}.amazonaws.com"]
      }
    }
  }

  dynamic "statement" {
    for_each = local.create_idempotency_table || var.idempotency_table_name != null ? [1] : []
    content {
      sid       = "IdempotencyRecords"
      actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]
      resources = [local.idempotency_table_arn]
    }
  }

  # The AWS providers authenticate with this role: each one's send permission, only when it is
  # in the provider list.
  dynamic "statement" {
    for_each = contains(local.email_providers, "ses") ? [1] : []
    content {
      sid       = "SendEmailWithSes"
      actions   = ["ses:SendEmail"]
      resources = local.ses_resources
    }
  }

  # A text published straight to a phone number has no ARN to name: SNS authorises it only
  # against "*" (CDK's own Cognito SMS role does the same). The action is Publish alone.
  dynamic "statement" {
    for_each = contains(local.sms_providers, "sns") ? [1] : []
    content {
      sid       = "SendSmsWithSns"
      actions   = ["sns:Publish"]
      resources = ["*"]
    }
  }

  # SendTextMessage has only optional resource types (phone number, pool, sender ID,
  # configuration set, protect configuration): narrow it with sms.eum_resource_arns.
  dynamic "statement" {
    for_each = contains(local.sms_providers, "eum") ? [1] : []
    content {
      sid       = "SendSmsWithEndUserMessaging"
      actions   = ["sms-voice:SendTextMessage"]
      resources = var.sms.eum_resource_arns
    }
  }
}

resource "aws_iam_role_policy" "function" {
  name   = "function"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.function.json
}

# Pool-scoped grants, kept apart so the function never waits on anything derived from the pool
# (the pool's lambda_config references the function).
data "aws_iam_policy_document" "pool_access" {
  statement {
    sid       = "DecryptCognitoCodes"
    actions   = ["kms:Decrypt"]
    resources = [local.key_arn]
    # Only codes Cognito encrypted for this pool: it binds the pool ID as encryption context.
    condition {
      test     = "StringEquals"
      variable = "kms:EncryptionContext:userpool-id"
      values   = [var.user_pool_id]
    }
  }

  # Account-takeover notices carry no email attribute: the relay looks the user up (read-only).
  statement {
    sid       = "LookUpRecipient"
    actions   = ["cognito-idp:AdminGetUser"]
    resources = [local.user_pool_arn]
  }
}

resource "aws_iam_role_policy" "pool_access" {
  name   = "pool-access"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.pool_access.json
}

resource "aws_sqs_queue" "dead_letters" {
  name_prefix               = "${var.name}-dead-letters-"
  sqs_managed_sse_enabled   = true
  message_retention_seconds = 1209600
  tags                      = var.tags
}

data "aws_iam_policy_document" "dead_letters_tls_only" {
  statement {
    effect    = "Deny"
    actions   = ["sqs:*"]
    resources = [aws_sqs_queue.dead_letters.arn]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_sqs_queue_policy" "dead_letters" {
  queue_url = aws_sqs_queue.dead_letters.id
  policy    = data.aws_iam_policy_document.dead_letters_tls_only.json
}

resource "aws_dynamodb_table" "idempotency" {
  count        = local.create_idempotency_table ? 1 : 0
  name         = "${var.name}-idempotency"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"

  attribute {
    name = "id"
    type = "S"
  }

  ttl {
    attribute_name = "expiration"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  tags = var.tags
}

resource "aws_lambda_function" "this" {
  function_name    = var.name
  description      = "cognito-relay: Cognito custom email/SMS sender"
  role             = aws_iam_role.this.arn
  runtime          = "nodejs22.x"
  architectures    = ["arm64"]
  handler          = "index.handler"
  filename         = var.lambda_zip_path
  source_code_hash = filebase64sha256(var.lambda_zip_path)
  memory_size      = var.memory_size
  timeout          = var.timeout

  environment {
    variables = local.environment
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.this.name
  }

  tags = var.tags

  depends_on = [aws_iam_role_policy.function, aws_cloudwatch_log_group.this]

  lifecycle {
    precondition {
      condition     = var.create_kms_key || var.kms_key_arn != null
      error_message = "Set kms_key_arn when create_kms_key is false."
    }
    precondition {
      condition     = var.email != null || var.sms != null
      error_message = "Configure email, sms, or both."
    }
    precondition {
      condition = length(setintersection(keys(var.settings), [
        "KMS_KEY_ARN", "EMAIL_PROVIDERS", "EMAIL_FROM", "EMAIL_FROM_NAME", "EMAIL_REPLY_TO", "SMS_PROVIDERS", "APP_NAME", "DEFAULT_LOCALE", "LINK_BASE_URL", "IDEMPOTENCY_TABLE",
        "MAX_ATTEMPTS", "ATTEMPT_TIMEOUT_MS", "UNKNOWN_OUTCOME_RESENDS", "CIRCUIT_BREAKER_THRESHOLD", "CIRCUIT_BREAKER_COOLDOWN_MS", "SMS_ALLOWED_COUNTRIES", "SMS_MAX_PER_NUMBER_PER_HOUR",
      ])) == 0
      error_message = "settings may not override variables the module sets itself; use the module's own inputs (delivery, sms, idempotency…)."
    }
    precondition {
      condition     = !(var.idempotency && var.idempotency_table_name != null)
      error_message = "Set either idempotency = true (a new table) or idempotency_table_name (yours), not both."
    }
    precondition {
      # The relay starts no provider call within 1 s of its deadline.
      condition     = var.delivery.attempt_timeout_ms == null || try(var.delivery.attempt_timeout_ms + 1000 <= var.timeout * 1000, false)
      error_message = "delivery.attempt_timeout_ms must be at least 1000 ms below the function timeout."
    }
  }
}

# Cognito invokes custom senders asynchronously: retries, then the dead-letter queue.
resource "aws_lambda_function_event_invoke_config" "this" {
  function_name                = aws_lambda_function.this.function_name
  maximum_retry_attempts       = var.retry_attempts
  maximum_event_age_in_seconds = var.maximum_event_age_in_seconds

  destination_config {
    on_failure {
      destination = aws_sqs_queue.dead_letters.arn
    }
  }
}

# Only Cognito, only for this pool, only from this account (source_account guards the confused
# deputy; the AWS docs' CLI example omits both).
resource "aws_lambda_permission" "cognito" {
  statement_id   = "AllowCognitoInvoke"
  action         = "lambda:InvokeFunction"
  function_name  = aws_lambda_function.this.function_name
  principal      = "cognito-idp.amazonaws.com"
  source_arn     = local.user_pool_arn
  source_account = local.account_id
}

# The function's own Lambda metrics: each one means a Cognito message did not go out. One
# resource for the three, so they cannot drift apart.
locals {
  function_alarms = {
    errors = {
      metric      = "Errors"
      description = "cognito-relay failed to deliver a message (Lambda will retry; see the function logs)"
    }
    destination-failures = {
      metric      = "DestinationDeliveryFailures"
      description = "Lambda could not put a failed Cognito event into the dead-letter queue; the event is lost"
    }
    dropped-events = {
      metric      = "AsyncEventsDropped"
      description = "Lambda dropped Cognito events before running the function (too old or throttled too long)"
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "function" {
  for_each            = local.function_alarms
  alarm_name          = "${var.name}-${each.key}"
  alarm_description   = each.value.description
  namespace           = "AWS/Lambda"
  metric_name         = each.value.metric
  dimensions          = { FunctionName = aws_lambda_function.this.function_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_topic_arn == null ? [] : [var.alarm_topic_arn]
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "dead_letters" {
  alarm_name          = "${var.name}-dead-letters"
  alarm_description   = "A Cognito message was given up after all retries; it is in the dead-letter queue"
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.dead_letters.name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_topic_arn == null ? [] : [var.alarm_topic_arn]
  tags                = var.tags
}

# The relay's own EMF metric: exactly the channel x outcome roll-up dimension set it writes
# (src/runtime/observability/metrics.ts; Powertools adds service = cognito-relay to every set).
resource "aws_cloudwatch_metric_alarm" "delivery_failed" {
  for_each            = toset(local.channels)
  alarm_name          = "${var.name}-${each.key}-delivery-failed"
  alarm_description   = "No provider accepted a Cognito ${each.key == "sms" ? "SMS" : "email"} (Lambda retries the event; see the function logs)"
  namespace           = "CognitoRelay"
  metric_name         = "Deliveries"
  dimensions          = { service = "cognito-relay", channel = each.key, outcome = "failed" }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_topic_arn == null ? [] : [var.alarm_topic_arn]
  tags                = var.tags
}
