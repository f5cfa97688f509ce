# A new user pool whose email and SMS go through cognito-relay, wired with the AWS provider's
# native lambda_config block. Build first: `npm run build` (creates dist/lambda.zip).
#
#   terraform init && terraform apply -var 'from=no-reply@example.com' \
#     -var 'sendgrid_secret_arn=arn:aws:secretsmanager:…:secret:prod/sendgrid-AbCdEf' \
#     -var 'key_administrator_arns=["arn:aws:iam::111122223333:role/deployer"]'

terraform {
  required_version = ">= 1.5.0"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.31.0, < 7.0.0"
    }
  }
}

provider "aws" {}

variable "from" {
  type = string
}

variable "sendgrid_secret_arn" {
  description = "Secrets Manager secret holding the SendGrid API key (full ARN)."
  type        = string
}

variable "twilio_account_sid" {
  type = string
}

variable "twilio_from" {
  type = string
}

variable "key_administrator_arns" {
  description = "Who administers the new key: include the role that runs terraform apply."
  type        = list(string)
}

variable "sms_allowed_countries" {
  description = "Calling codes SMS may go to; every other number is refused. Add codes to open more."
  type        = list(string)
  default     = ["1", "44"]
}

variable "twilio_token_parameter" {
  description = "SSM SecureString parameter holding the Twilio auth token."
  type        = string
  default     = "/prod/twilio-token"
}

module "relay" {
  source = "../../modules/cognito-relay"

  lambda_zip_path = "${path.root}/../../../../dist/lambda.zip"
  user_pool_id    = aws_cognito_user_pool.users.id

  # The pool below takes this module's key_arn, so key_policy_user_pool_id stays unset: the key
  # policy cannot name a pool that references the key.
  key_administrator_arns = var.key_administrator_arns

  email = {
    providers = ["sendgrid"]
    from      = var.from
  }
  sms = {
    providers         = ["twilio"]
    allowed_countries = var.sms_allowed_countries
    # max_per_number_per_hour defaults to 5.
  }
  secret_arns       = { SENDGRID_API_KEY = var.sendgrid_secret_arn }
  secret_parameters = { TWILIO_AUTH_TOKEN = var.twilio_token_parameter }
  settings          = { TWILIO_ACCOUNT_SID = var.twilio_account_sid, TWILIO_FROM = var.twilio_from }
}

# CloudFormation has required an SMS role on pools with a custom SMS sender; the
# provider passes sms_configuration through to the same API, so give it one. Cognito may assume
# it only with the external ID and on behalf of this account (confused deputy).
data "aws_caller_identity" "current" {}

data "aws_iam_policy_document" "cognito_sms_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["cognito-idp.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "sts:ExternalId"
      values   = ["cognito-relay-example-sms"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_iam_role" "cognito_sms" {
  name_prefix        = "cognito-sms-"
  assume_role_policy = data.aws_iam_policy_document.cognito_sms_trust.json
}

resource "aws_iam_role_policy" "cognito_sms" {
  role = aws_iam_role.cognito_sms.id
  # sns:Publish on "*": SMS goes to phone numbers, which have no ARN.
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sns:Publish", Resource = "*" }]
  })
}

resource "aws_cognito_user_pool" "users" {
  name                     = "cognito-relay-example"
  username_attributes      = ["email"]
  auto_verified_attributes = ["email"]
  deletion_protection      = "ACTIVE"

  password_policy {
    minimum_length    = 12
    require_lowercase = true
    require_uppercase = true
    require_numbers   = true
    require_symbols   = true
  }

  # Native custom senders: no null_resource, no update-user-pool call.
  lambda_config {
    kms_key_id = module.relay.key_arn

    custom_email_sender {
      lambda_arn     = module.relay.function_arn
      lambda_version = "V1_0"
    }

    custom_sms_sender {
      lambda_arn     = module.relay.function_arn
      lambda_version = "V1_0"
    }
  }

  sms_configuration {
    external_id    = "cognito-relay-example-sms"
    sns_caller_arn = aws_iam_role.cognito_sms.arn
  }
}

resource "aws_cognito_user_pool_client" "web" {
  name                = "web"
  user_pool_id        = aws_cognito_user_pool.users.id
  explicit_auth_flows = ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
}

output "user_pool_id" {
  value = aws_cognito_user_pool.users.id
}

output "user_pool_client_id" {
  value = aws_cognito_user_pool_client.web.id
}

output "log_group_name" {
  value = module.relay.log_group_name
}
